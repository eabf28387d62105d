// Browser test of the demo's first actions on a machine with no internet:
// a reply to the demo API-channel citizen is delivered (to the server's own
// stand-in integration), and the demo Telegram post, once approved by a
// second person, is published (to the server's own stand-in Bot API).
// Nothing leaves the machine. axe-core checks the pages.
//
// Run with `node --test e2e/demo.test.mjs`.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, login, shot, assertAccessible, TIMEOUT } from './harness.mjs';

const ADMIN_EMAIL = 'admin@example.it';
const ADMIN_PASSWORD = 'e2e-Password-per-i-test-2024';

let srv, browser, page;

// until reloads the page until cond holds, as a person would.
async function until(cond, what) {
  const deadline = Date.now() + 4 * TIMEOUT;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await page.waitForTimeout(250);
    await page.reload();
  }
}

describe('Redazione: the demo works offline', { timeout: 120_000 }, () => {
  before(async () => {
    srv = await startServer({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD });
    browser = await launchBrowser();
    page = await (await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 1280, height: 900 } })).newPage();
    await login(page, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await srv?.stop();
  });

  it('a reply to the demo API citizen is delivered', async () => {
    try {
      await page.goto(srv.base + '/inbox?view=all');
      await page.getByRole('link', { name: /Giovanni Marino/ }).first().click();
      await page.waitForURL(/\/conversations\/\d+$/, { timeout: TIMEOUT });
      await page.getByLabel('Testo').fill('Buongiorno, la raccolta degli ingombranti in via Roma passa giovedì.');
      await page.getByRole('button', { name: 'Invia risposta' }).click();
      const last = () => page.locator('.delivery').last();
      await until(async () => {
        const cls = (await last().getAttribute('class')) || '';
        assert.ok(!cls.includes('delivery-failed'), `the demo reply failed: ${await last().textContent()}`);
        return /delivery-(sent|delivered|read)/.test(cls);
      }, 'the reply delivered');
      assert.doesNotMatch(await page.content(), /non ha un indirizzo di callback/);
      await assertAccessible(page, 'the demo conversation with a delivered reply');
    } catch (err) {
      await shot(page, 'demo-reply');
      throw err;
    }
  });

  it('the demo Telegram post, approved, is published', async () => {
    try {
      // The shortest undo window, so that the test waits 10 s, not a minute.
      await page.goto(srv.base + '/admin/pubblicazioni');
      await page.getByLabel("Secondi per annullare dopo l'invio").fill('10');
      await page.locator('form[action="/admin/pubblicazioni"] button[type="submit"]').click();
      await page.waitForLoadState();
      await page.goto(srv.base + '/pubblicazioni');
      await page.getByRole('link', { name: /giovedì pomeriggio/ }).first().click();
      await page.getByRole('button', { name: 'Approva (seconda persona)' }).click();
      const status = page.locator('#post-status');
      await until(async () => {
        const s = (await status.textContent()).trim();
        assert.notEqual(s, 'non pubblicata', `the demo post failed: ${await page.locator('main').textContent()}`);
        return s === 'pubblicata';
      }, 'the post published');
      assert.doesNotMatch(await page.content(), /non raggiungibile/);
      // The log tells every time the same way, in local time: no raw UTC.
      const log = await page.locator('.publication-log').textContent();
      assert.doesNotMatch(log, /\d{4}-\d\d-\d\dT\d/, `a raw timestamp in the log: ${log}`);
      assert.match(log, /parte alle \d\d\/\d\d\/\d{4} \d\d:\d\d/);
      await assertAccessible(page, 'the demo post published');
    } catch (err) {
      await shot(page, 'demo-post');
      throw err;
    }
  });
});
