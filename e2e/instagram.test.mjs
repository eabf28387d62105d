// Instagram on the post form, in the browser: an Instagram account (a fake
// Graph API on a local port, answering with the documented payloads of
// channel/meta/testdata) shows its daily publishing limit beside the
// account's name, and a post without an image is refused with the reason,
// what was typed kept. axe-core checks each state, at phone width.
//
// Run with `node --test e2e/instagram.test.mjs`.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createServer } from 'node:http';
import { startServer, launchBrowser, login, shot, assertAccessible, freePort, root, TIMEOUT } from './harness.mjs';

const ADMIN_EMAIL = 'admin@example.it';
const ADMIN_PASSWORD = 'e2e-Password-per-i-test-2024';
const TOKEN = 'IG-TOKEN-E2E';
const run = Date.now().toString(36);
const ACCOUNT = `@comune_${run}`;
const TEXT = `Domenica mercato straordinario in piazza Garibaldi (${run})`;

let srv, graph, browser, page;
const calls = [];

const testdata = (name) => readFileSync(path.join(root, 'channel', 'meta', 'testdata', name));

// fakeGraph answers the Instagram account's look-up and its publishing
// limit: 23 posts of 50 in the last 24 hours.
function fakeGraph() {
  return createServer((req, res) => {
    calls.push(`${req.method} ${req.url}`);
    const send = (status, body) => { res.writeHead(status, { 'Content-Type': 'application/json' }); res.end(body); };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(400, testdata('ig_error_token_expired.json'));
    const u = new URL(req.url, 'http://graph');
    if (req.method === 'GET' && u.pathname === '/v21.0/134895793791914') return send(200, testdata('ig_page_account.json'));
    if (req.method === 'GET' && u.pathname === '/v21.0/17841405822304914/content_publishing_limit') {
      return send(200, JSON.stringify({ data: [{ quota_usage: 23, config: { quota_total: 50, quota_duration: 86400 } }] }));
    }
    return send(404, JSON.stringify({ error: { message: `unexpected ${req.method} ${req.url}`, code: 100 } }));
  });
}

describe('Instagram on the post form', { timeout: 180_000 }, () => {
  before(async () => {
    const port = await freePort();
    graph = fakeGraph();
    await new Promise((r) => graph.listen(port, '127.0.0.1', r));
    srv = await startServer({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD, env: { REDAZIONE_PUBLIC_URL: 'https://redazione.comune.example.it' } });
    await srv.cli(['channel', 'add', 'instagram', '--name', ACCOUNT, '--set', 'page_id=134895793791914', '--set', `token=${TOKEN}`,
      '--set', 'app_secret=segreto-app', '--set', 'verify_token=verifica', '--set', `api_base_url=http://127.0.0.1:${port}`, '--set', 'api_version=v21.0']);
    browser = await launchBrowser();
    const ctx = await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 390, height: 844 } });
    page = await ctx.newPage();
    await login(page, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await srv?.stop();
    graph?.close();
  });

  it('shows the daily limit and refuses a post without an image', async (t) => {
    try {
      await page.goto(`${srv.base}/pubblicazioni/nuova`);
      const account = page.getByLabel(new RegExp(`Instagram · ${ACCOUNT}`));
      await account.waitFor({ timeout: TIMEOUT });
      const label = await page.locator(`label:has-text("${ACCOUNT}")`).textContent();
      assert.match(label, /oggi 23 post su 50/, 'the account does not show its daily limit');
      await assertAccessible(page, 'instagram post form');
      const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      assert.equal(wide, false, 'the form scrolls sideways at 390 px');

      await account.check();
      await page.getByLabel('Testo', { exact: true }).fill(TEXT);
      await page.getByRole('button', { name: 'Verifica e invia' }).click();
      await page.getByText("Instagram pubblica solo post con almeno un'immagine").waitFor({ timeout: TIMEOUT });
      assert.equal(await page.getByLabel('Testo', { exact: true }).inputValue(), TEXT, 'what was typed is kept');
      const band = await page.locator('#post-destination').textContent();
      assert.match(band, new RegExp(ACCOUNT), 'the refused post does not name its account');
      assert.match(band, /oggi 23 post su 50/, 'the refused post does not show the limit');
      await assertAccessible(page, 'instagram post refused');
      assert.ok(!calls.some((c) => c.startsWith('POST')), `something was sent to Instagram: ${calls.join(', ')}`);
    } catch (err) {
      await shot(page, t.name);
      throw err;
    }
  });
});
