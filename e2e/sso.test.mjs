// Browser test of single sign-on: the administrator connects the ente's
// OpenID provider on the administration page, then a colleague clicks
// "Accedi con …" on the login page, signs in at the provider and lands in
// the inbox; with the provider down, the login page says so and the
// password form stays. The provider is a small one served here, over
// HTTP, with its own RSA key. axe-core checks every page.
//
// Run with `node --test e2e/sso.test.mjs`.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createServer } from 'node:http';
import { startServer, launchBrowser, login, shot, assertAccessible, TIMEOUT } from './harness.mjs';

const ADMIN_EMAIL = 'admin@example.it';
const ADMIN_PASSWORD = 'e2e-Password-per-i-test-2024';
const CLIENT_ID = 'redazione-e2e';
const CLIENT_SECRET = 'segreto-del-client-e2e';

// startProvider serves an OpenID provider that signs in, at once, whoever
// the test says: discovery, keys, authorization (with PKCE S256) and token.
async function startProvider() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'e2e', alg: 'RS256', use: 'sig' };
  const codes = new Map();
  const p = { account: null, seen: [] };
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, p.issuer);
    p.seen.push(url.pathname);
    const json = (status, body) => { res.writeHead(status, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(body)); };
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer: p.issuer, authorization_endpoint: p.issuer + '/authorize', token_endpoint: p.issuer + '/token', jwks_uri: p.issuer + '/jwks',
        response_types_supported: ['code'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'], scopes_supported: ['openid', 'email', 'profile'],
      });
    }
    if (url.pathname === '/jwks') return json(200, { keys: [jwk] });
    if (url.pathname === '/authorize') {
      const q = url.searchParams;
      assert.equal(q.get('client_id'), CLIENT_ID);
      assert.equal(q.get('code_challenge_method'), 'S256');
      const code = randomBytes(16).toString('hex');
      codes.set(code, { nonce: q.get('nonce'), challenge: q.get('code_challenge'), account: p.account });
      const back = new URL(q.get('redirect_uri'));
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state'));
      res.writeHead(302, { Location: back.toString() });
      return res.end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const form = new URLSearchParams(body);
      const [id, secret] = Buffer.from((req.headers.authorization || '').replace(/^Basic /, ''), 'base64').toString().split(':').map(decodeURIComponent);
      const c = codes.get(form.get('code'));
      codes.delete(form.get('code'));
      if (id !== CLIENT_ID || secret !== CLIENT_SECRET) return json(401, { error: 'invalid_client' });
      if (!c || createHash('sha256').update(form.get('code_verifier') || '').digest('base64url') !== c.challenge) return json(400, { error: 'invalid_grant' });
      const now = Math.floor(Date.now() / 1000);
      const head = b64({ alg: 'RS256', kid: 'e2e', typ: 'JWT' });
      const claims = b64({ iss: p.issuer, aud: CLIENT_ID, sub: c.account.sub, email: c.account.email, email_verified: true, nonce: c.nonce, iat: now, exp: now + 300 });
      const sig = sign('sha256', Buffer.from(head + '.' + claims), privateKey).toString('base64url');
      return json(200, { access_token: randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 300, id_token: `${head}.${claims}.${sig}` });
    }
    json(404, { error: 'not_found' });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  p.issuer = `http://127.0.0.1:${server.address().port}`;
  p.stop = () => new Promise((r) => { server.closeAllConnections(); server.close(r); });
  return p;
}

let srv, browser, provider, admin, colleague;

describe('Redazione: single sign-on with the ente\'s provider', { timeout: 120_000 }, () => {
  before(async () => {
    provider = await startProvider();
    srv = await startServer({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD });
    browser = await launchBrowser();
    const opts = { locale: 'it-IT', bypassCSP: true, viewport: { width: 1280, height: 900 } };
    admin = await (await browser.newContext(opts)).newPage();
    colleague = await (await browser.newContext({ ...opts, viewport: { width: 390, height: 844 } })).newPage();
    await login(admin, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await srv?.stop();
    await provider?.stop();
  });

  it('the administrator connects the provider, the colleague signs in with it', async () => {
    let page = admin;
    try {
      await admin.goto(srv.base + '/admin/sso');
      await admin.getByText(srv.base + '/login/sso/callback').waitFor({ timeout: TIMEOUT });
      await assertAccessible(admin, 'the single sign-on page');
      await admin.getByLabel('Nome mostrato sul pulsante').fill('Provider di prova');
      await admin.getByLabel('Emittente (issuer URL)').fill(provider.issuer);
      await admin.getByLabel('Identificativo del client (client id)').fill(CLIENT_ID);
      await admin.getByLabel('Segreto del client (client secret)').fill(CLIENT_SECRET);
      await admin.getByLabel('Domini e-mail ammessi').fill('example.it');
      await admin.getByRole('button', { name: 'Salva' }).click();
      await admin.getByRole('status').filter({ hasText: 'Modifiche salvate' }).waitFor({ timeout: TIMEOUT });
      assert.equal(await admin.getByLabel('Segreto del client (client secret)').inputValue(), '', 'the secret is shown back');
      assert.ok(!(await admin.content()).includes(CLIENT_SECRET), 'the secret is in the page');
      await assertAccessible(admin, 'the single sign-on page, saved');

      // Turning passwords off needs a sign-in with the provider first.
      await admin.locator('label[for=password_login]').click();
      assert.equal(await admin.locator('#password_login').isChecked(), false);
      await admin.getByRole('button', { name: 'Salva' }).click();
      const form = admin.locator('form[action="/admin/sso"]');
      await form.locator('.form-error[role="alert"]').filter({ hasText: 'accedi tu stesso' }).waitFor({ timeout: TIMEOUT });
      assert.equal(await admin.locator('#password_login').getAttribute('aria-invalid'), 'true');
      await assertAccessible(admin, 'turning passwords off refused');
      await admin.locator('label[for=password_login]').click();

      // A wrong domain, and an expired form: the reason beside the form,
      // what was typed kept.
      await admin.getByLabel('Domini e-mail ammessi').fill('non un dominio');
      await admin.getByRole('button', { name: 'Salva' }).click();
      await form.locator('.form-error[role="alert"]').filter({ hasText: 'dominio non valido' }).waitFor({ timeout: TIMEOUT });
      assert.equal(await admin.getByLabel('Domini e-mail ammessi').inputValue(), 'non un dominio');
      await admin.getByLabel('Domini e-mail ammessi').fill('example.it');
      await form.locator('input[name=csrf]').evaluate((el) => { el.value = 'scaduto'; });
      await admin.getByRole('button', { name: 'Salva' }).click();
      await form.locator('.form-error[role="alert"]').filter({ hasText: 'Modulo scaduto' }).waitFor({ timeout: TIMEOUT });
      assert.equal(await admin.getByLabel('Domini e-mail ammessi').inputValue(), 'example.it');
      await assertAccessible(admin, 'an expired form refused');

      page = colleague;
      provider.account = { sub: 'sub-admin', email: ADMIN_EMAIL };
      await colleague.goto(srv.base + '/login');
      await assertAccessible(colleague, 'the login page with single sign-on');
      await colleague.getByRole('link', { name: /Accedi con Provider di prova/ }).click();
      await colleague.waitForURL((u) => u.pathname === '/inbox', { timeout: TIMEOUT });
      assert.ok(provider.seen.includes('/token') && provider.seen.includes('/jwks'), `the provider saw ${provider.seen}`);
    } catch (err) {
      await shot(page, 'sso-sign-in');
      throw err;
    }
  });

  it('with the provider down the login page says so, and the password still signs in', async () => {
    const page = await (await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 390, height: 844 } })).newPage();
    try {
      await provider.stop();
      await page.goto(srv.base + '/login');
      await page.getByRole('link', { name: /Accedi con Provider di prova/ }).click();
      await page.getByRole('alert').filter({ hasText: 'Il servizio di accesso dell\'ente non risponde' }).waitFor({ timeout: TIMEOUT });
      await assertAccessible(page, 'the login page with the provider down');
      await page.getByLabel('Indirizzo e-mail').fill(ADMIN_EMAIL);
      await page.getByLabel('Password').fill(ADMIN_PASSWORD);
      await page.getByRole('button', { name: 'Accedi' }).click();
      await page.waitForURL((u) => u.pathname === '/inbox', { timeout: TIMEOUT });
    } catch (err) {
      await shot(page, 'sso-provider-down');
      throw err;
    }
  });
});
