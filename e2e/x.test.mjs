// X in the browser: an administrator adds an X channel from Amministrazione
// › Canali, opens its page and signs the account in: the browser goes to
// the authorize page of a fake X on a local port (speaking the documented
// OAuth 2.0 protocol: it approves at once, or denies, and sends the browser
// back; its token endpoint checks the PKCE verifier), and comes back to
// the page showing the account. A denial is said plainly. axe-core checks
// each state, at phone width.
//
// Run with `node --test e2e/x.test.mjs`.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { startServer, launchBrowser, login, shot, assertAccessible, freePort, TIMEOUT } from './harness.mjs';

const ADMIN_EMAIL = 'admin@example.it';
const ADMIN_PASSWORD = 'e2e-Password-per-i-test-2024';
const CLIENT_ID = 'client-x-e2e';
const CLIENT_SECRET = 'segreto-x-e2e';

let srv, fake, fakePort, browser, page;
let deny = false;
const codes = new Map(); // code → { challenge, redirect }
const tokens = new Set();
const calls = [];

// fakeX answers like X: the authorize page, the token endpoint, users/me.
function fakeX() {
  return createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      const url = new URL(req.url, `http://127.0.0.1:${fakePort}`);
      calls.push(`${req.method} ${url.pathname}`);
      const json = (status, body) => { res.writeHead(status, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(body)); };
      if (req.method === 'GET' && url.pathname === '/i/oauth2/authorize') {
        const q = url.searchParams;
        if (q.get('client_id') !== CLIENT_ID) return json(400, { error: 'invalid_request' });
        const back = new URL(q.get('redirect_uri'));
        back.searchParams.set('state', q.get('state'));
        if (deny) back.searchParams.set('error', 'access_denied');
        else if (q.get('code_challenge_method') !== 'S256' || !q.get('scope').includes('offline.access')) back.searchParams.set('error', 'invalid_request');
        else {
          const code = `code-${codes.size + 1}`;
          codes.set(code, { challenge: q.get('code_challenge'), redirect: q.get('redirect_uri') });
          back.searchParams.set('code', code);
        }
        res.writeHead(302, { Location: back.toString() });
        return res.end();
      }
      if (req.method === 'POST' && url.pathname === '/2/oauth2/token') {
        const basic = 'Basic ' + Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64');
        if (req.headers.authorization !== basic) return json(401, { error: 'unauthorized_client' });
        const f = new URLSearchParams(raw);
        const g = codes.get(f.get('code'));
        codes.delete(f.get('code'));
        const challenge = createHash('sha256').update(f.get('code_verifier') || '').digest('base64url');
        if (f.get('grant_type') !== 'authorization_code' || !g || g.challenge !== challenge || g.redirect !== f.get('redirect_uri')) {
          return json(400, { error: 'invalid_request', error_description: 'Value passed for the authorization code was invalid.' });
        }
        const access = `access-${tokens.size + 1}`;
        tokens.add(access);
        return json(200, { token_type: 'bearer', expires_in: 7200, access_token: access, scope: 'tweet.read tweet.write users.read offline.access media.write', refresh_token: `refresh-${tokens.size}` });
      }
      if (req.method === 'GET' && url.pathname === '/2/users/2244994945/mentions') {
        // a citizen's mention, once, in the shape of X's documented answer
        if (!tokens.has((req.headers.authorization || '').replace('Bearer ', ''))) return json(401, { title: 'Unauthorized', status: 401, detail: 'Unauthorized', type: 'about:blank' });
        if (url.searchParams.get('since_id')) return json(200, { meta: { result_count: 0 } });
        return json(200, {
          data: [{ id: '1301573587187331074', text: '@ComuneEsempio a che ora apre lo sportello anagrafe sabato?', author_id: '1234567890', created_at: new Date().toISOString() }],
          includes: { users: [{ id: '1234567890', username: 'cittadina_x', name: 'Carla Neri' }] },
          meta: { newest_id: '1301573587187331074', oldest_id: '1301573587187331074', result_count: 1 },
        });
      }
      if (req.method === 'GET' && url.pathname === '/2/users/me') {
        if (!tokens.has((req.headers.authorization || '').replace('Bearer ', ''))) return json(401, { title: 'Unauthorized', status: 401, detail: 'Unauthorized', type: 'about:blank' });
        return json(200, { data: { id: '2244994945', name: 'Comune di Esempio', username: 'ComuneEsempio' } });
      }
      return json(404, { title: 'Not Found Error', status: 404 });
    });
  });
}

describe('X: adding the channel and signing the account in', { timeout: 180_000 }, () => {
  before(async () => {
    fakePort = await freePort();
    fake = fakeX();
    await new Promise((r) => fake.listen(fakePort, '127.0.0.1', r));
    srv = await startServer({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD });
    browser = await launchBrowser();
    const ctx = await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 390, height: 844 } });
    page = await ctx.newPage();
    await login(page, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await srv?.stop();
    fake?.close();
  });

  it('adds the channel, signs in through X and back, and says a denial plainly', async (t) => {
    try {
      await page.goto(`${srv.base}/admin/channels?kind=x#new-channel`);
      const form = page.getByRole('form', { name: /Nuovo canale.*X \(Twitter\)|X \(Twitter\)/ });
      await form.getByLabel('Nome').fill('Account X del Comune');
      await form.getByLabel(/^Client ID dell'app X/).fill(CLIENT_ID);
      await form.getByLabel(/^Client secret dell'app X/).fill(CLIENT_SECRET);
      await form.getByLabel(/^Leggi le menzioni/).selectOption('on');
      await form.getByLabel(/^Indirizzo dell'API/).fill(`http://127.0.0.1:${fakePort}`);
      await form.getByLabel(/^Indirizzo della pagina di accesso/).fill(`http://127.0.0.1:${fakePort}`);
      await assertAccessible(page, 'new X channel form');
      await form.getByRole('button', { name: 'Crea' }).click();
      const link = page.getByRole('link', { name: /Account X: accesso/ });
      await link.waitFor({ timeout: TIMEOUT });
      assert.equal(await page.evaluate((s) => document.body.innerHTML.includes(s), CLIENT_SECRET), false, 'the page shows the client secret');
      await link.click();
      await page.waitForURL((u) => /^\/admin\/channels\/\d+\/x$/.test(u.pathname), { timeout: TIMEOUT });
      await page.getByText('Nessun account collegato').waitFor({ timeout: TIMEOUT });
      assert.match(await page.locator('#x-callback').textContent(), /\/admin\/x\/callback$/);
      await assertAccessible(page, 'X channel page, not signed in');
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false, 'the page scrolls sideways at 390 px');

      // The round trip: to X's authorize page and back.
      await page.getByRole('button', { name: 'Accedi con X' }).click();
      await page.getByText('Account X collegato').waitFor({ timeout: TIMEOUT });
      assert.equal((await page.locator('#x-account').textContent()).trim(), '@ComuneEsempio');
      assert.ok(calls.includes('GET /i/oauth2/authorize') && calls.includes('POST /2/oauth2/token') && calls.includes('GET /2/users/me'), calls.join(', '));
      await assertAccessible(page, 'X channel page, signed in');

      // A denial on X: said on the page, the account still linked.
      deny = true;
      await page.getByRole('button', { name: 'Accedi di nuovo con X' }).click();
      await page.getByText(/è stato negato l'accesso all'account/).waitFor({ timeout: TIMEOUT });
      assert.equal((await page.locator('#x-account').textContent()).trim(), '@ComuneEsempio');
      await assertAccessible(page, 'X sign-in denied');

      // The citizen's mention, read once the account is signed in, is a
      // public conversation. Its composer counts to X's 280 for an answer,
      // and to the general limit for an internal note.
      await page.goto(`${srv.base}/inbox`);
      const row = page.locator('#conversation-list a.conv-link', { hasText: 'Carla Neri' });
      await row.first().waitFor({ timeout: 30_000 }); // read at once after the sign-in; the list is redrawn live
      await row.first().click();
      const text = page.getByLabel('Testo', { exact: true });
      await text.waitFor({ timeout: TIMEOUT });
      assert.equal(await text.getAttribute('data-limit'), '280');
      const count = page.locator('#reply-text-count');
      const over = count.filter({ hasText: '1 carattere oltre il limite di 280: accorcia il testo' });
      await text.fill('a'.repeat(281));
      await over.waitFor({ timeout: TIMEOUT });
      await page.locator('label[for=kind-note]').click();
      await count.waitFor({ state: 'hidden', timeout: TIMEOUT });
      assert.notEqual(await text.getAttribute('data-limit'), '280');
      await page.locator('label[for=kind-reply]').click();
      await over.waitFor({ timeout: TIMEOUT });
      // Counted as X counts it, as the server will: a Chinese character
      // weighs 2, a link 23 whatever its length.
      await text.fill('a'.repeat(279) + '中');
      await over.waitFor({ timeout: TIMEOUT });
      await text.fill('a'.repeat(230) + ' https://www.comune.example.it/una/pagina/con/un/indirizzo/molto/lungo');
      await count.filter({ hasText: '26 caratteri rimasti su 280' }).waitFor({ timeout: TIMEOUT });
      await text.fill('a'.repeat(281));
      await over.waitFor({ timeout: TIMEOUT });
      await assertAccessible(page, 'X conversation, answer over 280');

      // The composer counts an answer on Mastodon as mastodon.Length does
      // on the server (its TestLength's cases): graphemes, a link with its
      // scheme 23, another instance's account without its domain.
      const counted = await page.evaluate(() => [
        '👍🏽 grazie', 'e\u0300 cosi\u0300', 'vedi https://www.comune.example.it/servizi/' + 'anagrafe/'.repeat(20) + '.',
        'vedi www.comune.example.it', '@lucia@mastodon.example ciao', 'scrivi a lucia@comune.example.it',
      ].map((s) => textLength(s, 'mastodon')));
      assert.deepEqual(counted, [8, 6, 29, 26, 11, 32]);
    } catch (err) {
      await shot(page, t.name);
      throw err;
    }
  });
});
