// Bluesky in the browser: an administrator sets up the ente's Bluesky
// account on the channels page (a fake PDS on a local port answers
// com.atproto.server.createSession as the documentation says). A wrong
// handle is refused beside the form; a wrong app password creates the
// channel but says the sign-in failed; the right one says whom Redazione
// signed in as. The app password is never shown back. `redazione channel
// add bluesky` prints its JSON with the password masked. axe-core checks
// each state at phone width.
//
// Run with `node --test e2e/bluesky.test.mjs`.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startServer, launchBrowser, login, shot, assertAccessible, freePort, TIMEOUT } from './harness.mjs';

const ADMIN_EMAIL = 'admin@example.it';
const ADMIN_PASSWORD = 'e2e-Password-per-i-test-2024';
const HANDLE = 'comune.example.it';
const APP_PASSWORD = 'abcd-efgh-ijkl-mnop';
const run = Date.now().toString(36);

let srv, pds, pdsURL, browser, page;
const sessions = [];

// fakePDS answers createSession like a PDS: the tokens and the DID for the
// right identifier and app password, 401 AuthenticationRequired otherwise.
function fakePDS() {
  return createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      const json = (status, body) => { res.writeHead(status, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(body)); };
      if (req.method === 'POST' && req.url === '/xrpc/com.atproto.server.createSession') {
        const body = JSON.parse(raw || '{}');
        sessions.push(body.identifier);
        if (body.identifier !== HANDLE || body.password !== APP_PASSWORD) return json(401, { error: 'AuthenticationRequired', message: 'Invalid identifier or password' });
        return json(200, { accessJwt: 'access-e2e', refreshJwt: 'refresh-e2e', handle: HANDLE, did: 'did:plc:ewvi7nxzyoun6zhxrhs64oiz', active: true });
      }
      return json(501, { error: 'MethodNotImplemented', message: 'Method Not Implemented' });
    });
  });
}

async function fill(name, handle, password) {
  await page.goto(`${srv.base}/admin/channels?kind=bluesky`);
  await page.locator('#nc-handle').waitFor({ timeout: TIMEOUT });
  await page.locator('#nc-name').fill(name);
  await page.locator('#nc-handle').fill(handle);
  await page.locator('#nc-app_password').fill(password);
  await page.locator('#nc-api_base_url').fill(pdsURL);
  await page.locator('#nc-direct_messages').selectOption('on');
  await page.getByRole('button', { name: 'Crea' }).click();
  await page.waitForLoadState('load');
}

describe('Bluesky: setting up the account', { timeout: 180_000 }, () => {
  before(async () => {
    const port = await freePort();
    pds = fakePDS();
    await new Promise((r) => pds.listen(port, '127.0.0.1', r));
    pdsURL = `http://127.0.0.1:${port}`;
    srv = await startServer({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD });
    browser = await launchBrowser();
    const ctx = await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 390, height: 844 } });
    page = await ctx.newPage();
    await login(page, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await srv?.stop();
    pds?.close();
  });

  it('the set-up form is accessible, refuses a bad handle and says whether the sign-in worked', async (t) => {
    try {
      await page.goto(`${srv.base}/admin/channels?kind=bluesky`);
      await page.locator('#nc-handle').waitFor({ timeout: TIMEOUT });
      await assertAccessible(page, 'admin channels bluesky');
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false, 'the form scrolls sideways at 390 px');
      assert.equal(await page.locator('#nc-app_password').getAttribute('type'), 'password');

      // Not a handle: refused, in Italian, nothing created.
      await fill(`Sbagliato ${run}`, 'comune di esempio', APP_PASSWORD);
      await page.getByText("handle è il nome dell'account Bluesky").first().waitFor({ timeout: TIMEOUT });
      assert.equal(await page.getByRole('heading', { name: new RegExp(`Sbagliato ${run}`) }).count(), 0, 'a channel was created with a bad handle');
      await assertAccessible(page, 'bluesky bad handle');

      // A wrong app password: created, with a warning that says why.
      await fill(`Prova ${run}`, HANDLE, 'password-sbagliata');
      await page.getByText('accesso a Bluesky non è riuscito').waitFor({ timeout: TIMEOUT });
      await assertAccessible(page, 'bluesky sign-in failed');

      // The right one: signed in.
      await fill(`Bluesky del Comune ${run}`, HANDLE, APP_PASSWORD);
      await page.getByText(`accesso a Bluesky riuscito come @${HANDLE}`).waitFor({ timeout: TIMEOUT });
      await page.getByRole('heading', { name: new RegExp(`Bluesky del Comune ${run}`) }).waitFor({ timeout: TIMEOUT });
      const html = await page.content();
      assert.ok(!html.includes(APP_PASSWORD), 'the app password is shown back');
      assert.ok(!html.includes('password-sbagliata'), 'the wrong app password is shown back');
      await assertAccessible(page, 'bluesky signed in');
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false, 'the page scrolls sideways at 390 px');
      assert.ok(sessions.filter((h) => h === HANDLE).length >= 2, 'Redazione did not try to sign in');
    } catch (err) {
      await shot(page, t.name);
      throw err;
    }
  });

  it('`redazione channel add bluesky` prints the channel with the app password masked', async () => {
    const out = JSON.parse(await srv.cli(['channel', 'add', 'bluesky', '--name', `Da riga di comando ${run}`, '--set', `handle=@${HANDLE}`,
      '--set', `app_password=${APP_PASSWORD}`, '--set', `api_base_url=${pdsURL}`]));
    assert.equal(out.kind, 'bluesky');
    assert.equal(out.handle, HANDLE);
    assert.equal(out.api_base_url, pdsURL);
    assert.equal(out.direct_messages, false);
    assert.ok(!JSON.stringify(out).includes(APP_PASSWORD), 'the app password is printed');
    assert.match(out.app_password, /mnop$/);
    await assert.rejects(srv.cli(['channel', 'add', 'bluesky', '--name', 'Senza password', '--set', `handle=${HANDLE}`]), /app_password/);
  });
});
