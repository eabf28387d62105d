// Browser test of the passwords: the administrator sends a colleague a
// one-time link (shown once, with no SMTP), the colleague sets a new
// password there, a common one refused with the reason, and signs in; then
// changes it from "Il mio account". axe-core checks every page.
//
// Run with `node --test e2e/password.test.mjs`.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, login, shot, assertAccessible, TIMEOUT } from './harness.mjs';

const ADMIN_EMAIL = 'admin@example.it';
const ADMIN_PASSWORD = 'e2e-Password-per-i-test-2024';
const COLLEAGUE = 'collega@example.it';

let srv, browser, admin, colleague;

describe('Redazione: passwords set by a one-time link and changed by their owner', { timeout: 120_000 }, () => {
  before(async () => {
    srv = await startServer({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD });
    browser = await launchBrowser();
    const opts = { locale: 'it-IT', bypassCSP: true, viewport: { width: 1280, height: 900 } };
    admin = await (await browser.newContext(opts)).newPage();
    colleague = await (await browser.newContext(opts)).newPage();
    await login(admin, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await srv?.stop();
  });

  it('a one-time link sets the password, a common one refused', async () => {
    let page = admin;
    try {
      await admin.goto(srv.base + '/admin/users');
      await admin.locator('#nu-email').fill(COLLEAGUE);
      await admin.locator('form[action="/admin/users"] button[type="submit"]').click();
      await admin.locator('#created-secret').waitFor({ timeout: TIMEOUT });
      await admin.getByRole('button', { name: `Invia un link per reimpostare la password ${COLLEAGUE}` }).click();
      const link = (await admin.locator('#reset-link').textContent()).trim();
      assert.match(link, /\/reimposta\/[A-Za-z0-9_-]+$/);
      await assertAccessible(admin, 'the users page with a link shown');

      page = colleague;
      await colleague.goto(link);
      await assertAccessible(colleague, 'the page of a one-time link');
      await colleague.getByLabel('Nuova password').fill('qwertyuiop12');
      await colleague.getByRole('button', { name: 'Imposta la password' }).click();
      await colleague.getByRole('alert').filter({ hasText: 'password più usate' }).first().waitFor({ timeout: TIMEOUT });
      await colleague.getByLabel('Nuova password').fill('una frase lunga da ricordare');
      await colleague.getByRole('button', { name: 'Imposta la password' }).click();
      await colleague.locator('#password-set').waitFor({ timeout: TIMEOUT });
      await assertAccessible(colleague, 'the password set');
      await login(colleague, srv.base, COLLEAGUE, 'una frase lunga da ricordare');
    } catch (err) {
      await shot(page, 'password-link');
      throw err;
    }
  });

  it('Il mio account changes the password with the current one', async () => {
    try {
      await colleague.getByRole('link', { name: /Il mio account/ }).click();
      await colleague.waitForURL((u) => u.pathname === '/me/password', { timeout: TIMEOUT });
      await assertAccessible(colleague, 'my password');
      await colleague.getByLabel('Password attuale').fill('una frase lunga da ricordare');
      await colleague.getByLabel('Nuova password').fill('breve');
      await colleague.getByRole('button', { name: 'Cambia la password' }).click();
      // the reason shows beside the form (or, without script, at the top)
      await colleague.getByRole('alert').filter({ hasText: 'almeno 12 caratteri' }).first().waitFor({ timeout: TIMEOUT });
      await colleague.getByLabel('Password attuale').fill('una frase lunga da ricordare');
      await colleague.getByLabel('Nuova password').fill('un\'altra frase, ancora più lunga');
      await colleague.getByRole('button', { name: 'Cambia la password' }).click();
      await colleague.locator('#password-changed').waitFor({ timeout: TIMEOUT });
      await assertAccessible(colleague, 'my password changed');
    } catch (err) {
      await shot(colleague, 'password-change');
      throw err;
    }
  });
});
