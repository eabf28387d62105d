// Browser test of the audit trail's page: the badge says the chain is
// whole, the newest hash can be copied, the anchors link is there for the
// administrator, and axe-core finds nothing wrong.
//
// Run with `node --test e2e/audit.test.mjs`.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, login, shot, assertAccessible, TIMEOUT } from './harness.mjs';

const ADMIN_EMAIL = 'admin@example.it';
const ADMIN_PASSWORD = 'e2e-Password-per-i-test-2024';

let srv, browser, page;

describe('Redazione: the audit trail says whether its chain is whole', { timeout: 120_000 }, () => {
  before(async () => {
    srv = await startServer({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD });
    browser = await launchBrowser();
    const ctx = await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 1280, height: 900 } });
    page = await ctx.newPage();
    await login(page, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await srv?.stop();
  });

  it('Amministrazione → Registro shows the badge, the newest hash and the anchors', async () => {
    try {
      await page.goto(srv.base + '/admin/audit');
      const badge = page.locator('#audit-chain .badge');
      await badge.waitFor({ state: 'visible', timeout: TIMEOUT });
      assert.match((await badge.textContent()).trim(), /^Catena integra \(\d+ voci\)$/);
      assert.match((await page.locator('#audit-head').textContent()).trim(), /^[0-9a-f]{64}$/);
      const csv = await page.request.get(srv.base + (await page.getByRole('link', { name: /Impronte di fine giornata/ }).getAttribute('href')));
      assert.equal(csv.status(), 200);
      assert.match(await csv.text(), /^Giorno;Voce;Impronta\n\d{4}-\d\d-\d\d;\d+;[0-9a-f]{64}\n/);
      await assertAccessible(page, 'the audit trail with its badge');
    } catch (err) {
      await shot(page, 'audit');
      throw err;
    }
  });
});
