// Browser test of crisis mode followed live: a coordinator turns it on in one
// window and another screen, left open on the inbox, shows the banner
// without being reloaded; turned off, the banner goes. With several nodes
// the same event crosses them (web/scale_test.go). axe-core checks the
// screen with the banner.
//
// Run with `node --test e2e/crisis-live.test.mjs`.

import { describe, it, before, after } from 'node:test';
import { startServer, launchBrowser, login, shot, assertAccessible, TIMEOUT } from './harness.mjs';

const ADMIN_EMAIL = 'admin@example.it';
const ADMIN_PASSWORD = 'e2e-Password-per-i-test-2024';

let srv, browser, screen, lead;

describe('Redazione: crisis mode reaches open screens live', { timeout: 120_000 }, () => {
  before(async () => {
    srv = await startServer({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD });
    browser = await launchBrowser();
    screen = await (await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 390, height: 844 } })).newPage();
    lead = await (await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 1280, height: 900 } })).newPage();
    await login(screen, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
    await login(lead, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await srv?.stop();
  });

  it('the banner comes and goes on a screen left open', async () => {
    let page = screen;
    try {
      await screen.goto(srv.base + '/inbox');
      await screen.waitForFunction(() => document.body.dataset.live === 'on', null, { timeout: TIMEOUT });
      page = lead;
      await lead.goto(srv.base + '/crisi');
      await lead.getByLabel('Che cosa sta succedendo').fill('Frana sulla provinciale');
      await lead.getByRole('button', { name: 'Attiva la modalità crisi' }).click();
      await lead.locator('#crisis-banner').waitFor({ timeout: TIMEOUT });
      page = screen;
      await screen.locator('#crisis-banner', { hasText: 'Frana sulla provinciale' }).waitFor({ timeout: TIMEOUT });
      await screen.locator('#live-status', { hasText: 'Modalità crisi cambiata' }).waitFor({ timeout: TIMEOUT });
      await assertAccessible(screen, 'the inbox with the crisis banner drawn live, at 390 px');
      page = lead;
      await lead.getByRole('button', { name: 'Termina la modalità crisi' }).click();
      await lead.getByText('La modalità crisi non è attiva.').waitFor({ timeout: TIMEOUT });
      page = screen;
      await screen.locator('#crisis-banner').waitFor({ state: 'detached', timeout: TIMEOUT });
    } catch (err) {
      await shot(page, 'crisis-live');
      throw err;
    }
  });
});
