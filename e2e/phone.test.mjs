// Browser test of the operator's day on a phone (390×844): every page of
// the operator UI, as an administrator and as an operator, fits the width
// with no sideways scroll and has no axe-core violation; the same pages
// stay clean at desktop width. The list of pages comes from the router
// (web/server.go), so a new page is swept without touching this file. The
// header's menu folds behind a button that opens it, moves the focus into
// it and closes on Escape; with JavaScript off it is a plain list. Banners
// fold to one line; a conversation's reply box is one link away.
//
// Run with `node --test e2e/phone.test.mjs`.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, launchBrowser, login, shot, assertAccessible, axeViolations, formatViolations, root, TIMEOUT } from './harness.mjs';

const ADMIN_EMAIL = 'admin@example.it';
const ADMIN_PASSWORD = 'e2e-Password-per-i-test-2024';
const OPERATOR_EMAIL = 'operatrice@example.it';
const OPERATOR_PASSWORD = 'e2e-Operatrice-per-i-test-2024';
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

// Operator routes that are not pages a person reads: streams, downloads,
// fragments fetched by the page itself, a citizen's e-mail shown in a
// sandboxed frame, the redirect of / to the inbox.
const NOT_PAGES = new Set([
  '/{$}', '/events', '/attachments/{id}', '/conversations/{id}/messages/{mid}/html', '/admin/audit/ancore.csv',
  '/reports.csv', '/crisi/banner', '/contacts/{id}/export', '/conversations/{id}/answers', '/pubblicazioni/{id}/immagine',
  '/conversations/{id}/colleghi', '/pubblico/immagini/{token}',
  // X's answer to a sign-in, reached only from X with the sign-in's cookie
  '/admin/x/callback',
]);

// Pages reached only with a query: the App IO form is opened from a
// conversation (or a request, or a report).
const WITH_QUERY = { '/appio/nuovo': '/appio/nuovo?da=conversation&id=1' };

// routerPages reads the GET routes behind a sign-in (s.user, s.admin)
// from the router.
async function routerPages() {
  const src = await readFile(path.join(root, 'web', 'server.go'), 'utf8');
  const out = [];
  for (const m of src.matchAll(/mux\.HandleFunc\("GET ([^"]+)", s\.(user|admin)\(/g)) {
    if (!NOT_PAGES.has(m[1])) out.push({ route: m[1], admin: m[2] === 'admin' });
  }
  return out;
}

let srv, browser;

// sweep visits every page at the viewport's size as the signed-in user of
// page and returns, per path, what is wrong with it. Routes with an {id}
// take one from a link seen on an earlier page.
async function sweep(page, { admin }) {
  const routes = (await routerPages()).filter((r) => admin || !r.admin);
  const hrefs = new Set();
  const problems = [];
  const visited = [];
  const visit = async (p) => {
    const resp = await page.goto(srv.base + p);
    // An operator is refused the pages of coordinators (the refusal page
    // is checked like any other); anything else must open.
    if (resp.status() >= 400 && !(resp.status() === 403 && !admin)) {
      problems.push(`${p}: status ${resp.status()}`);
      return;
    }
    visited.push(resp.status() === 403 ? `${p} (403)` : p);
    for (const h of await page.locator('a[href^="/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')))) hrefs.add(new URL(h, srv.base).pathname);
    const { sw, iw } = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, iw: window.innerWidth }));
    if (sw > iw) {
      const wide = await page.evaluate(() => [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-responsive, [hidden], .visually-hidden'))
        .slice(0, 5).map((e) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${[...e.classList].join('.')} right=${Math.round(e.getBoundingClientRect().right)}`));
      problems.push(`${p}: scrollWidth ${sw} > ${iw} (${wide.join(', ')})`);
      await shot(page, `phone-wide-${p}`);
    }
    if (page.viewportSize().width < 500) {
      // Touch targets: every visible button, and the links of lists and
      // tables, at least 44 px high (and the tag's × as wide).
      const small = await page.evaluate(() => [...document.querySelectorAll('main button, main .btn, main summary, main li > a, main td a, main th a, header button, header a')]
        .filter((e) => e.offsetParent !== null && !e.closest('.visually-hidden, .visually-hidden-focusable, .post-text, p'))
        .filter((e) => { const r = e.getBoundingClientRect(); return r.height < 43.5 || (e.classList.contains('tag-remove') && r.width < 43.5); })
        .slice(0, 5).map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} «${e.textContent.trim().slice(0, 30)}» ${Math.round(e.getBoundingClientRect().height)} px`));
      if (small.length) problems.push(`${p}: targets under 44 px: ${small.join('; ')}`);
    }
    const v = await axeViolations(page);
    if (v.length) {
      problems.push(`${p}: axe\n${formatViolations(v)}`);
      await shot(page, `phone-axe-${p}`);
    }
  };
  const fixed = routes.filter((r) => !r.route.includes('{'));
  const param = routes.filter((r) => r.route.includes('{'));
  for (const r of fixed) await visit(WITH_QUERY[r.route] || r.route);
  const missing = [];
  for (const r of param) {
    const re = new RegExp('^' + r.route.replace(/\{[^}]+\}/g, '[^/]+') + '$');
    const p = [...hrefs].find((h) => re.test(h) && !fixed.some((f) => f.route === h));
    if (p) await visit(p);
    else missing.push(r.route);
  }
  return { problems, visited, missing };
}

describe('Redazione on a phone', { timeout: 900_000 }, () => {
  before(async () => {
    srv = await startServer({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD });
    const tmp = await mkdtemp(path.join(tmpdir(), 'redazione-phone-'));
    await writeFile(path.join(tmp, 'pw'), OPERATOR_PASSWORD);
    await srv.cli(['user', 'create', '--email', OPERATOR_EMAIL, '--name', 'Operatrice Prova', '--role', 'operator', '--desk', 'contatti', '--password-file', path.join(tmp, 'pw')]);
    // An X channel, for its sign-in page (/admin/channels/{id}/x).
    await srv.cli(['channel', 'add', 'x', '--name', 'Account X del Comune', '--set', 'client_id=CLIENT', '--set', 'client_secret=SECRET']);
    browser = await launchBrowser();
    // Crisis mode on, with a long reason, so that every page swept carries
    // its banner (and the administrator the policy to acknowledge).
    const page = await phonePage();
    await page.goto(srv.base + '/crisi');
    await page.getByLabel('Che cosa sta succedendo').fill('Frana sulla provinciale 12 tra Roccabianca e Sant\'Andrea: strada chiusa in entrambi i sensi, deviazione per la statale');
    await page.getByRole('button', { name: 'Attiva la modalità crisi' }).click();
    await page.locator('#crisis-banner').waitFor({ timeout: TIMEOUT });
    await page.context().close();
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await srv?.stop();
  });

  // phonePage signs in on a 390×844 screen.
  async function phonePage(opts = {}) {
    const page = await (await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: PHONE, ...opts })).newPage();
    await login(page, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
    return page;
  }
  // inView tells whether the element is on the screen as it is scrolled.
  const inView = (loc) => loc.evaluate((el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0; });

  it('the menu opens from its button, takes the focus, and closes on Escape', async () => {
    const page = await phonePage();
    try {
      await page.goto(srv.base + '/inbox');
      const toggle = page.getByRole('button', { name: 'Menu', exact: true });
      const menu = page.locator('#main-menu');
      const oncall = page.getByRole('link', { name: 'Reperibilità' });
      assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
      assert.equal(await oncall.isVisible(), false, 'the menu shows before it is opened');
      // From the keyboard: Tab to the button, Enter.
      await toggle.focus();
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.activeElement && document.activeElement.closest('#main-menu'), null, { timeout: TIMEOUT });
      assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
      await oncall.waitFor({ state: 'visible', timeout: TIMEOUT });
      assert.equal(await menu.getAttribute('role'), 'dialog');
      // The account's pages are in the menu on a phone.
      await page.getByRole('link', { name: 'Le mie sessioni' }).waitFor({ state: 'visible', timeout: TIMEOUT });
      await assertAccessible(page, 'the menu open at 390 px');
      await page.keyboard.press('Escape');
      await oncall.waitFor({ state: 'hidden', timeout: TIMEOUT });
      assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
      await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'menu-toggle', null, { timeout: TIMEOUT });
      // A tap opens it, a link in it leads on.
      await toggle.click();
      await oncall.click();
      await page.waitForURL((u) => u.pathname === '/reperibilita', { timeout: TIMEOUT });
      assert.equal(await page.locator('#main-menu a[href="/reperibilita"]').getAttribute('aria-current'), 'page');
    } catch (err) {
      await shot(page, 'phone-menu');
      throw err;
    } finally {
      await page.context().close();
    }
  });

  it('without JavaScript the menu is a plain list that fits the screen', async () => {
    const page = await phonePage({ javaScriptEnabled: false });
    try {
      await page.goto(srv.base + '/inbox');
      assert.equal(await page.locator('#menu-toggle').isVisible(), false, 'a button that cannot work is shown');
      for (const name of ['Messaggi', 'Reperibilità', 'Amministrazione', 'Le mie sessioni']) {
        assert.ok(await page.getByRole('link', { name, exact: true }).first().isVisible(), `${name} is not in the menu without JavaScript`);
      }
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'sideways scroll without JavaScript');
    } catch (err) {
      await shot(page, 'phone-nojs');
      throw err;
    } finally {
      await page.context().close();
    }
  });

  it('banners fold to a line; a conversation\'s reply is one link away; tags and numbers are named', async () => {
    const page = await phonePage();
    try {
      await page.goto(srv.base + '/inbox');
      // The crisis, however long its reason, is one line until opened.
      const crisis = page.locator('#crisis-banner');
      assert.ok((await crisis.boundingBox()).height <= 60, 'the crisis banner is more than a short line');
      assert.equal(await crisis.locator('.banner-body').isVisible(), false, 'the crisis banner is open before it is asked');
      await crisis.locator('summary').click();
      await page.getByRole('link', { name: 'Gestisci la modalità crisi' }).waitFor({ state: 'visible', timeout: TIMEOUT });
      assert.match(await crisis.locator('.banner-body').textContent(), /deviazione per la statale/);
      // The policy to acknowledge is a line and its link.
      assert.ok((await page.locator('#policy-banner').boundingBox()).height <= 100, 'the policy banner is more than a short line');
      await page.getByRole('link', { name: 'Leggi la policy' }).waitFor({ state: 'visible', timeout: TIMEOUT });
      await assertAccessible(page, 'the banners open at 390 px');

      // A conversation with a tag: the reply box is one link away, the
      // tag's × is a finger-sized button that says what it does.
      await page.goto(srv.base + '/inbox?view=all');
      await page.getByRole('link', { name: /Sara Colombo/ }).first().click();
      await page.waitForURL(/\/conversations\/\d+$/, { timeout: TIMEOUT });
      const reply = page.getByLabel('Testo', { exact: true });
      await page.getByRole('link', { name: /Vai alla risposta/ }).click();
      await page.waitForFunction(() => location.hash === '#composer-title', null, { timeout: TIMEOUT });
      // The page scrolls smoothly (Bootstrap's scroll-behavior): wait for
      // the box to come on the screen, then say so if it never did.
      await reply.evaluate((el) => new Promise((done) => {
        const onScreen = () => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; };
        const end = Date.now() + 5000;
        const check = () => (onScreen() || Date.now() > end ? done() : requestAnimationFrame(check));
        check();
      }));
      assert.ok(await inView(reply), 'the reply box is not on the screen after «Vai alla risposta»');
      const remove = page.getByRole('button', { name: 'Togli l\'etichetta illuminazione' });
      const box = await remove.boundingBox();
      assert.ok(box.width >= 44 && box.height >= 44, `the tag's × is ${box.width}×${box.height} px`);

      // Rows named by a number read as what they are.
      await page.goto(srv.base + '/segnalazioni');
      const reports = await page.locator('a.row-link').evaluateAll((as) => as.map((a) => a.textContent.trim()));
      assert.ok(reports.length >= 3, `${reports.length} reports listed`);
      for (const name of reports) assert.match(name, /^Segnalazione n\. \d+$/);
      await page.getByRole('link', { name: /^Segnalazione n\. \d+$/ }).first().click();
      await page.waitForURL(/\/segnalazioni\/\d+$/, { timeout: TIMEOUT });
      await page.goto(srv.base + '/accessi');
      const requests = await page.locator('a.row-link').evaluateAll((as) => as.map((a) => a.textContent.trim()));
      assert.ok(requests.length >= 3, `${requests.length} requests listed`);
      for (const name of requests) assert.match(name, /^Richiesta di accesso n\. \S+$/);
    } catch (err) {
      await shot(page, 'phone-folds');
      throw err;
    } finally {
      await page.context().close();
    }
  });

  for (const [who, email, password, admin] of [['an administrator', ADMIN_EMAIL, ADMIN_PASSWORD, true], ['an operator', OPERATOR_EMAIL, OPERATOR_PASSWORD, false]]) {
    for (const [size, viewport] of [['390 px', PHONE], ['desktop width', DESKTOP]]) {
      it(`every page fits ${size} with no axe violation, as ${who}`, async () => {
        const page = await (await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport })).newPage();
        try {
          await login(page, srv.base, email, password);
          const { problems, visited, missing } = await sweep(page, { admin });
          console.error(`${who} at ${size}: ${visited.length} pages: ${visited.join(' ')}`);
          assert.deepEqual(missing, [], 'routes with no page reached (add a link or data)');
          assert.ok(visited.length >= (admin ? 35 : 20), `only ${visited.length} pages`);
          assert.deepEqual(problems, []);
        } finally {
          await page.context().close();
        }
      });
    }
  }
});
