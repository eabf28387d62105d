// Browser test of the second factor: an administrator sets up an
// authenticator app (the secret read from the page, the code computed
// here by RFC 6238) and a passkey (Chromium's virtual authenticator),
// then signs in with each; a wrong code is refused beside the form. axe-core
// checks every new page.
//
// The browser uses http://localhost:PORT: a passkey's relying party is a
// domain name, never an IP address.
//
// Run with `node --test e2e/mfa.test.mjs`.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startServer, launchBrowser, shot, assertAccessible, TIMEOUT } from './harness.mjs';

const ADMIN_EMAIL = 'admin@example.it';
const ADMIN_PASSWORD = 'e2e-Password-per-i-test-2024';

// totp is RFC 6238 with the defaults every app uses: SHA-1, 30 seconds,
// six digits; at is a time in milliseconds.
function totp(secret, at) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const key = [];
  let bits = 0, value = 0;
  for (const c of secret.replace(/=+$/, '')) {
    value = ((value << 5) | alphabet.indexOf(c)) & 0x1fff;
    bits += 5;
    if (bits >= 8) {
      key.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30000)));
  const h = createHmac('sha1', Buffer.from(key)).update(counter).digest();
  const o = h[19] & 0xf;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

let srv, base, browser, page;

async function signInWithPassword() {
  await page.goto(base + '/login');
  await page.getByLabel('Indirizzo e-mail').fill(ADMIN_EMAIL);
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Accedi' }).click();
  await page.waitForURL((u) => u.pathname === '/login/secondo-fattore', { timeout: TIMEOUT });
}

async function logout() {
  await page.getByRole('button', { name: 'Esci' }).click();
  await page.waitForURL((u) => u.pathname === '/login', { timeout: TIMEOUT });
}

describe('Redazione: a second factor, TOTP and passkey', { timeout: 180_000 }, () => {
  before(async () => {
    srv = await startServer({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD });
    base = srv.base.replace('127.0.0.1', 'localhost');
    browser = await launchBrowser();
    const ctx = await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 1280, height: 900 } });
    page = await ctx.newPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await srv?.stop();
  });

  async function step(name, fn) {
    try {
      await fn();
    } catch (err) {
      await shot(page, 'mfa-' + name);
      throw err;
    }
  }

  let secret, enrolledAt;

  it('sets up an authenticator app from the page, and gets ten recovery codes', () => step('totp', async () => {
    await page.goto(base + '/login');
    await page.getByLabel('Indirizzo e-mail').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Accedi' }).click();
    await page.waitForURL((u) => u.pathname === '/inbox', { timeout: TIMEOUT });
    await page.getByRole('link', { name: 'Accesso e sicurezza' }).click();
    await page.waitForURL((u) => u.pathname === '/me/sicurezza', { timeout: TIMEOUT });
    await assertAccessible(page, 'Accesso e sicurezza');
    await page.getByRole('button', { name: "Configura l'app di autenticazione" }).click();
    await page.getByRole('img', { name: "Codice QR per configurare l'app di autenticazione" }).waitFor({ timeout: TIMEOUT });
    secret = (await page.locator('#totp-secret').textContent()).trim();
    assert.match(secret, /^[A-Z2-7]{16,}$/);
    await assertAccessible(page, 'the TOTP set-up');

    await page.getByLabel('Codice a sei cifre').fill('000000' === totp(secret, Date.now()) ? '111111' : '000000');
    await page.getByRole('button', { name: 'Conferma' }).click();
    const form = page.locator('form[action="/me/sicurezza/totp/conferma"]');
    await form.locator('.form-error[role="alert"]').filter({ hasText: 'codice sbagliato' }).waitFor({ timeout: TIMEOUT });
    await assertAccessible(page, 'a wrong first code');

    enrolledAt = Date.now();
    await page.getByLabel('Codice a sei cifre').fill(totp(secret, enrolledAt));
    await page.getByRole('button', { name: 'Conferma' }).click();
    await page.locator('#recovery-codes').waitFor({ timeout: TIMEOUT });
    assert.equal(await page.locator('#recovery-codes li').count(), 10);
    await assertAccessible(page, 'the recovery codes shown');
  }));

  it('registers a passkey with a name', () => step('passkey-register', async () => {
    await page.goto(base + '/me/sicurezza');
    await page.getByRole('button', { name: 'Registra una passkey' }).click();
    const form = page.locator('form[data-passkey="register"]');
    await form.locator('.form-error[role="alert"]').filter({ hasText: 'dai un nome alla passkey' }).waitFor({ timeout: TIMEOUT });
    await page.getByLabel('Nome della passkey').fill('Portatile di prova');
    await page.getByRole('button', { name: 'Registra una passkey' }).click();
    await page.locator('#passkey-list .fw-semibold', { hasText: 'Portatile di prova' }).waitFor({ timeout: TIMEOUT });
    await page.locator('#mfa-notice').filter({ hasText: 'registrata' }).waitFor({ timeout: TIMEOUT });
    await assertAccessible(page, 'a passkey registered');
  }));

  it('signs in with the app: a wrong code refused, then the next code', () => step('totp-login', async () => {
    await logout();
    await signInWithPassword();
    await assertAccessible(page, 'the second-factor step');
    // No session yet: the inbox sends back to the login page.
    const probe = await page.context().request.get(base + '/inbox', { maxRedirects: 0 });
    assert.equal(probe.status(), 303);
    await page.getByLabel("Codice dell'app di autenticazione").fill(totp(secret, enrolledAt) === '123456' ? '654321' : '123456');
    await page.getByRole('button', { name: 'Verifica', exact: true }).click();
    await page.locator('#flash .alert').filter({ hasText: 'codice sbagliato' }).waitFor({ timeout: TIMEOUT });
    await assertAccessible(page, 'a wrong code at sign-in');
    // The code that confirmed the set-up is spent: the next one (a step
    // ahead is accepted) signs in.
    await page.getByLabel("Codice dell'app di autenticazione").fill(totp(secret, enrolledAt + 30_000));
    await page.getByRole('button', { name: 'Verifica', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/inbox', { timeout: TIMEOUT });
  }));

  it('signs in with the passkey', () => step('passkey-login', async () => {
    await logout();
    await signInWithPassword();
    await page.getByRole('button', { name: 'Usa una passkey' }).click();
    await page.waitForURL((u) => u.pathname === '/inbox', { timeout: TIMEOUT });
    await page.goto(base + '/me/sicurezza');
    assert.doesNotMatch(await page.locator('#passkey-list').textContent(), /Ultimo uso: mai/);
  }));

  it('the administration page of the policy is accessible, at phone width too', () => step('policy', async () => {
    await page.goto(base + '/admin/sicurezza');
    await page.locator('label[for=req-privileged]').click();
    await page.getByRole('button', { name: 'Salva' }).click();
    await page.locator('#policy-saved').waitFor({ timeout: TIMEOUT });
    await assertAccessible(page, 'the sign-in policy');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(base + '/me/sicurezza');
    await assertAccessible(page, 'Accesso e sicurezza at phone width');
    await page.setViewportSize({ width: 1280, height: 900 });
  }));
});
