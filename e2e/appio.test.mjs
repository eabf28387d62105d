// App IO in the browser: from a conversation an operator writes to the
// citizen on App IO (a fake IO on a local port, speaking the documented
// protocol). The form counts characters as they are typed, a wrong codice
// fiscale and a citizen without IO are refused beside the form with what
// was typed kept, and a good message is queued and sent. axe-core checks
// each state; the form is usable at phone width.
//
// Run with `node --test e2e/appio.test.mjs`.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { startServer, launchBrowser, login, shot, assertAccessible, freePort, TIMEOUT } from './harness.mjs';

const ADMIN_EMAIL = 'admin@example.it';
const ADMIN_PASSWORD = 'e2e-Password-per-i-test-2024';
const KEY = 'chiave-servizio-e2e';
const CF = 'RSSMRA85T10A562S'; // on IO, the service allowed
const CF_NO_IO = 'MRTMTT25D09F205Z'; // valid, but not on IO
const run = Date.now().toString(36);
const BODY = `Gentile cittadino, la sua carta d'identità è pronta: può ritirarla allo sportello dell'anagrafe dal lunedì al venerdì. (${run})`;

let srv, io, ioPort, browser, page, channel, conv;
const sent = [];

// fakeIO answers like App IO: the subscription key, profiles, messages.
function fakeIO() {
  return createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      const json = (status, body) => { res.writeHead(status, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(body)); };
      if (req.headers['ocp-apim-subscription-key'] !== KEY) return json(401, { statusCode: 401, message: 'Access denied due to invalid subscription key.' });
      const body = raw ? JSON.parse(raw) : {};
      if (req.method === 'POST' && req.url === '/api/v1/profiles') {
        if (body.fiscal_code !== CF) return json(404, { title: 'Profile not found', status: 404, detail: 'The profile you requested was not found in the system.' });
        return json(200, { sender_allowed: true, preferred_languages: ['it_IT'] });
      }
      if (req.method === 'POST' && req.url === '/api/v1/messages') {
        sent.push(body);
        return json(201, { id: `01E2E${sent.length}` });
      }
      const m = req.url.match(/^\/api\/v1\/messages\/([A-Z0-9]{16})\/(\w+)$/);
      if (req.method === 'GET' && m) return json(200, { message: { id: m[2], fiscal_code: m[1], content: {}, sender_service_id: 'x', created_at: new Date().toISOString() }, status: 'PROCESSED' });
      return json(404, { title: 'Not found', status: 404 });
    });
  });
}

async function post(body) {
  const raw = JSON.stringify(body);
  const sig = 'sha256=' + createHmac('sha256', channel.secret).update(raw).digest('hex');
  const r = await fetch(`${srv.base}/api/v1/channels/${channel.id}/messages`, {
    method: 'POST', body: raw, headers: { 'Content-Type': 'application/json', 'X-Redazione-Signature': sig },
  });
  const text = await r.text();
  assert.equal(r.status, 202, text);
  return JSON.parse(text);
}

async function errorIn(form) {
  const box = form.locator('.form-error[role="alert"]');
  await box.waitFor({ state: 'visible', timeout: TIMEOUT });
  return (await box.textContent()).trim();
}

describe('App IO: writing to a citizen from a conversation', { timeout: 180_000 }, () => {
  before(async () => {
    ioPort = await freePort();
    io = fakeIO();
    await new Promise((r) => io.listen(ioPort, '127.0.0.1', r));
    srv = await startServer({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD });
    await srv.cli(['channel', 'add', 'appio', '--name', 'App IO', '--set', `api_key=${KEY}`, '--set', 'service_name=Servizi demografici',
      '--set', `api_base_url=http://127.0.0.1:${ioPort}`]);
    channel = JSON.parse(await srv.cli(['channel', 'add', 'api', '--name', `Sportello ${run}`]));
    conv = (await post({ external_id: `${run}-1`, contact: { external_id: `${run}-mario`, name: 'Mario Rossi' },
      text: `È pronta la mia carta d'identità? (${run})`, sent_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z') })).conversation_id;
    browser = await launchBrowser();
    const ctx = await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 390, height: 844 } });
    page = await ctx.newPage();
    await login(page, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await srv?.stop();
    io?.close();
  });

  it('refuses what cannot go, beside the form, and sends what can', async (t) => {
    try {
      await page.goto(`${srv.base}/conversations/${conv}`);
      await page.getByRole('link', { name: 'Scrivi su App IO' }).click();
      await page.waitForURL((u) => u.pathname === '/appio/nuovo', { timeout: TIMEOUT });
      await assertAccessible(page, 'appio form');
      const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      assert.equal(wide, false, 'the form scrolls sideways at 390 px');

      // Live counts, with the limits.
      await page.getByLabel('Oggetto').fill('Pronta');
      await page.waitForFunction(() => document.getElementById('subject-count').textContent.includes('6 caratteri (da 10 a 120): troppo corto'), null, { timeout: TIMEOUT });
      await page.getByLabel('Oggetto').fill(`Carta d'identità pronta ${run}`);
      await page.getByLabel(/^Testo/).fill(BODY);
      const n = [...BODY].length;
      await page.waitForFunction((k) => document.getElementById('markdown-count').textContent.startsWith(`${k} caratteri (da 80 a 10.000)`), n, { timeout: TIMEOUT });

      // A codice fiscale with the wrong check character.
      const form = page.locator('form.appio-form');
      await page.getByLabel('Codice fiscale').fill('RSSMRA85T10A562T');
      await page.getByRole('button', { name: 'Invia su App IO' }).click();
      assert.match(await errorIn(form), /carattere di controllo/);
      assert.equal(await page.getByLabel(/^Testo/).inputValue(), BODY, 'what was typed is kept');
      await assertAccessible(page, 'appio form refused');

      // A citizen without IO: said plainly, nothing sent.
      await page.getByLabel('Codice fiscale').fill(CF_NO_IO.toLowerCase());
      await page.getByRole('button', { name: 'Invia su App IO' }).click();
      await page.waitForFunction(() => (document.querySelector('.form-error')?.textContent || '').includes('non usa App IO'), null, { timeout: TIMEOUT });
      assert.equal(sent.length, 0);

      // The citizen on IO: queued, back on the conversation, then sent.
      await page.getByLabel('Codice fiscale').fill(CF);
      await page.getByRole('button', { name: 'Invia su App IO' }).click();
      await page.waitForURL((u) => u.pathname === `/conversations/${conv}`, { timeout: TIMEOUT });
      await page.getByText('Messaggio App IO in coda di invio').waitFor({ timeout: TIMEOUT });
      const deadline = Date.now() + 30_000;
      while (!(await page.locator('#appio-box .delivery-sent, #appio-box .delivery-delivered').count())) {
        assert.ok(Date.now() < deadline, 'the message never left');
        await new Promise((r) => setTimeout(r, 300));
        await page.reload();
      }
      assert.equal(sent.length, 1);
      assert.equal(sent[0].fiscal_code, CF);
      assert.equal(sent[0].content.markdown, BODY);
      await assertAccessible(page, 'conversation with an App IO message');
    } catch (err) {
      await shot(page, t.name);
      throw err;
    }
  });

  it('the set-up form and the public report form with the App IO request are accessible', async (t) => {
    try {
      await page.goto(`${srv.base}/admin/channels?kind=appio`);
      await page.locator('#nc-api_key').waitFor({ timeout: TIMEOUT });
      await assertAccessible(page, 'admin channels appio');
      const pub = await browser.newPage({ bypassCSP: true, locale: 'it-IT', viewport: { width: 390, height: 844 } });
      await pub.goto(`${srv.base}/segnala/ente`);
      await pub.getByLabel('Avvisami anche su App IO').waitFor({ timeout: TIMEOUT });
      await assertAccessible(pub, 'public report with App IO');
      assert.equal(await pub.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false, 'the public form scrolls sideways at 390 px');
      await pub.close();
    } catch (err) {
      await shot(page, t.name);
      throw err;
    }
  });
});
