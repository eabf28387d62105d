// Browser test of the sessions: signed in from a computer and from a
// phone, the administrator sees both on "Le mie sessioni" (this one
// marked, the other named by its browser), ends the other one, then all
// the others, then all of a user's from the users' page. axe-core checks
// each page, at desktop and at phone width (390 px).
//
// Run with `node --test e2e/sessions.test.mjs`.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, login, shot, assertAccessible, TIMEOUT } from './harness.mjs';

const ADMIN_EMAIL = 'admin@example.it';
const ADMIN_PASSWORD = 'e2e-Password-per-i-test-2024';
const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';

let srv, browser, desk, phone;

// signedOut tells whether the page, reloaded, is sent to the login.
async function signedOut(page) {
  await page.goto(srv.base + '/inbox');
  return new URL(page.url()).pathname === '/login';
}

describe('Redazione: one\'s sessions, seen and ended', { timeout: 120_000 }, () => {
  before(async () => {
    srv = await startServer({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD });
    browser = await launchBrowser();
    desk = await (await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 1280, height: 900 } })).newPage();
    phone = await (await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 390, height: 844 }, userAgent: FIREFOX })).newPage();
    await login(desk, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
    await login(phone, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await srv?.stop();
  });

  it('lists the sessions, this one marked, and ends the other one', async () => {
    let page = desk;
    try {
      await desk.getByRole('link', { name: 'Le mie sessioni' }).click();
      await desk.waitForURL((u) => u.pathname === '/me/sessioni', { timeout: TIMEOUT });
      const rows = desk.locator('#sessions > li');
      assert.equal(await rows.count(), 2);
      const mine = desk.locator('#sessions > li.current-session');
      assert.match(await mine.textContent(), /questa sessione/);
      assert.match(await mine.textContent(), /Chrome su Linux/);
      const other = desk.locator('#sessions > li:not(.current-session)');
      assert.match(await other.textContent(), /Firefox su Windows/);
      assert.match(await other.textContent(), /127\.0\.0\.1/);
      await assertAccessible(desk, 'my sessions');

      page = phone;
      await phone.goto(srv.base + '/me/sessioni');
      assert.match(await phone.locator('#sessions > li.current-session').textContent(), /Firefox su Windows/);
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      const wide = await phone.evaluate(() => [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .slice(0, 5).map((el) => el.outerHTML.slice(0, 120)));
      assert.ok(overflow <= 0, `the page is ${overflow} px wider than a 390 px phone: ${wide.join('\n')}`);
      await assertAccessible(phone, 'my sessions on a phone');

      page = desk;
      await other.getByRole('button', { name: /Termina la sessione di Firefox su Windows/ }).click();
      await desk.waitForURL((u) => u.pathname === '/me/sessioni', { timeout: TIMEOUT });
      await desk.locator('#no-other-sessions').waitFor({ timeout: TIMEOUT });
      assert.equal(await rows.count(), 1);
      assert.ok(await signedOut(phone), 'the phone is still signed in');
      assert.ok(!await signedOut(desk), 'ending the other session signed this one out');
    } catch (err) {
      await shot(page, 'sessions-list');
      throw err;
    }
  });

  it('"Esci da tutte le altre" keeps only this one', async () => {
    try {
      await login(phone, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
      await desk.goto(srv.base + '/me/sessioni');
      await desk.getByRole('button', { name: 'Esci da tutte le altre' }).click();
      await desk.locator('#sessions-ended').filter({ hasText: 'Sessioni terminate: 1.' }).waitFor({ timeout: TIMEOUT });
      await assertAccessible(desk, 'the other sessions ended');
      assert.ok(await signedOut(phone), 'the phone is still signed in');
      assert.ok(!await signedOut(desk), 'this session ended with the others');
    } catch (err) {
      await shot(desk, 'sessions-others');
      throw err;
    }
  });

  it('an administrator ends all of a user\'s sessions from the users\' page', async () => {
    try {
      await login(phone, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
      await desk.goto(srv.base + '/admin/users');
      await desk.getByRole('button', { name: `Termina tutte le sessioni ${ADMIN_EMAIL}` }).click();
      await desk.getByRole('status').filter({ hasText: `Sessioni terminate: 1, di ${ADMIN_EMAIL}.` }).waitFor({ timeout: TIMEOUT });
      await assertAccessible(desk, 'a user\'s sessions ended');
      assert.ok(await signedOut(phone), 'the phone is still signed in');
      assert.ok(!await signedOut(desk), 'the administrator\'s own session ended');
    } catch (err) {
      await shot(desk, 'sessions-admin');
      throw err;
    }
  });
});
