// Browser tests of refused actions, as an operator notices them: whatever
// the form (htmx or plain), the server's reason appears next to it, is
// announced to screen readers, and what was typed stays; a text with a
// limit says so before the limit is reached. axe-core checks each state.
//
// Run with `npm run test:e2e` or `node --test e2e/refusals.test.mjs`.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, login, shot, assertAccessible, TIMEOUT } from './harness.mjs';

const ADMIN_EMAIL = 'admin@example.it';
const ADMIN_PASSWORD = 'e2e-Password-per-i-test-2024';
const KEPT = 'Testo scritto e da non perdere';

let srv, browser, ctx, page;

// errorIn waits for the refusal shown beside a form and returns its text.
async function errorIn(form) {
  const box = form.locator('.form-error[role="alert"]');
  await box.waitFor({ state: 'visible', timeout: TIMEOUT });
  return (await box.textContent()).trim();
}

// announced waits until the polite live region says text.
async function announced(text) {
  await page.waitForFunction((t) => (document.getElementById('live-status')?.textContent || '').includes(t), text, { timeout: TIMEOUT });
}

// Pages of the operator UI, found by following the menus from the inbox:
// one page of each kind (a conversation, a post, a request...). The pages
// of the second factor are visited first, whatever the menus hold.
async function operatorPages() {
  const skip = /^\/(logout|lang|static|demo|trasparenza|segnala\/|social-policy|opendata|open311|widget|attachments|hooks|events|healthz)|\.(csv|zip|json)$|\/(export|esporta|immagine|download)/;
  const seen = new Set(), pages = [], queue = ['/inbox', '/me/sicurezza', '/admin/sicurezza', '/admin/sso'];
  while (queue.length && pages.length < 60) {
    const p = queue.shift();
    const kind = p.replace(/\d+/g, ':id');
    if (seen.has(kind)) continue;
    seen.add(kind);
    await page.goto(srv.base + p);
    pages.push(p);
    const hrefs = await page.locator('a[href^="/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    for (const h of hrefs) {
      const u = new URL(h, srv.base);
      if (!skip.test(u.pathname) && !seen.has(u.pathname.replace(/\d+/g, ':id'))) queue.push(u.pathname);
    }
  }
  return pages;
}

describe('Redazione: refused actions are shown where the user acted', { timeout: 600_000 }, () => {
  before(async () => {
    srv = await startServer({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD });
    browser = await launchBrowser();
    ctx = await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 1280, height: 900 } });
    page = await ctx.newPage();
    // A second session elsewhere, so that /me/sessioni shows every form it has.
    await login(await (await browser.newContext({ locale: 'it-IT' })).newPage(), srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
    await login(page, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await srv?.stop();
  });

  async function step(name, fn) {
    try {
      await fn();
    } catch (err) {
      await shot(page, 'refusal-' + name);
      throw err;
    }
  }

  it('a reply of spaces, or over the limit, is refused beside the composer and the text stays', () => step('reply', async () => {
    await page.goto(srv.base + '/inbox');
    await page.locator('#conversation-list a').first().click();
    await page.waitForURL(/\/conversations\/\d+$/, { timeout: TIMEOUT });
    const composer = page.locator('form:has(#reply-text)');
    const text = page.getByLabel('Testo', { exact: true });

    await text.fill('     ');
    await page.locator('#send-button').click();
    assert.equal(await errorIn(composer), 'il messaggio è vuoto');
    await announced('il messaggio è vuoto');
    assert.equal(await text.inputValue(), '     ', 'the typed text was lost');
    assert.equal(await text.getAttribute('aria-invalid'), 'true');
    await assertAccessible(page, 'an empty reply refused');

    // The limit is told before it is reached, and when it is passed.
    const count = page.locator('#reply-text-count');
    await text.fill('a'.repeat(17000));
    assert.equal(await count.isVisible(), false, 'the counter shows far from the limit');
    await text.fill('a'.repeat(19000));
    await count.filter({ hasText: '1000 caratteri rimasti su 20.000' }).waitFor({ timeout: TIMEOUT });
    await text.fill('a'.repeat(20001));
    await count.filter({ hasText: '1 carattere oltre il limite di 20.000' }).waitFor({ timeout: TIMEOUT });
    await assertAccessible(page, 'a reply over the limit');
    await page.locator('#send-button').click();
    assert.match(await errorIn(composer), /supera 20000 caratteri/);
    assert.equal((await text.inputValue()).length, 20001, 'the long text was lost');

    // A note of spaces, likewise; a good reply then clears the reason.
    await page.locator('label[for=kind-note]').click();
    await text.fill('   ');
    await page.locator('#send-button').click();
    assert.equal(await errorIn(composer), 'il messaggio è vuoto');
    await page.locator('label[for=kind-reply]').click();
    await text.fill('Buongiorno, le rispondiamo subito.');
    await page.locator('#send-button').click();
    await page.getByRole('region', { name: 'Conversazione' }).getByText('Buongiorno, le rispondiamo subito.').waitFor({ timeout: TIMEOUT });
    assert.equal(await composer.locator('.form-error').count(), 0, 'the old reason stays after a good reply');
  }));

  it('a refused side action (tag, status, assignment) says why beside its form', () => step('side', async () => {
    await page.goto(srv.base + '/inbox');
    await page.locator('#conversation-list a').first().click();
    await page.waitForURL(/\/conversations\/\d+$/, { timeout: TIMEOUT });
    const tagForm = page.locator('form:has(#add-tag)');
    await page.locator('#add-tag').fill('   ');
    await tagForm.getByRole('button').click();
    assert.equal(await errorIn(tagForm), 'scrivi un\'etichetta');
    assert.equal(await page.locator('#add-tag').getAttribute('aria-invalid'), 'true');
    await assertAccessible(page, 'a tag refused');

    // Values a page never offers, as a stale page or a crafted request sends.
    for (const [action, field] of [['status', 'status'], ['assign', 'assignee'], ['priority', 'priority']]) {
      const form = page.locator(`form[action$="/${action}"]`);
      await form.evaluate((f, name) => {
        const el = f.elements.namedItem(name);
        const opt = document.createElement('option');
        opt.value = '999999';
        opt.textContent = 'x';
        if (el.tagName === 'SELECT') { el.appendChild(opt); el.value = '999999'; } else el.value = '999999';
      }, field);
      await form.locator('button[type=submit], button:not([type])').first().click();
      const msg = await errorIn(form);
      assert.ok(msg.length > 3 && !/internal|interno/i.test(msg), `${action}: ${msg}`);
    }
  }));

  it('a refused plain form (a canned answer) keeps the page and what was typed', () => step('plain', async () => {
    await page.goto(srv.base + '/answers');
    const form = page.locator('form:has(#new-body)');
    await form.locator('#new-title').evaluate((el) => el.removeAttribute('maxlength'));
    await form.locator('#new-title').fill('T'.repeat(121));
    await form.locator('#new-body').fill(KEPT);
    const url = page.url();
    await form.locator('button[type=submit]').click();
    assert.equal(await errorIn(form), 'il titolo supera 120 caratteri');
    assert.equal(page.url(), url);
    assert.equal(await form.locator('#new-body').inputValue(), KEPT);
    assert.equal(await form.locator('#new-title').getAttribute('aria-invalid'), 'true');
    await assertAccessible(page, 'a canned answer refused');
    // Accepted, it goes on as a normal navigation would.
    await form.locator('#new-title').fill('Orari estivi');
    await form.locator('button[type=submit]').click();
    await page.getByText('Orari estivi').first().waitFor({ timeout: TIMEOUT });
    assert.equal(await page.locator('.form-error').count(), 0);
  }));

  it('every form of the operator UI shows a refusal beside it and keeps what was typed', () => step('every', async () => {
    const pages = await operatorPages();
    assert.ok(pages.length >= 20, `only ${pages.length} pages found: ${pages}`);
    // The account's own pages, linked from the header, are swept too.
    for (const p of ['/me/sessioni', '/me/tokens', '/admin/users']) assert.ok(pages.includes(p), `${p} not reached from the menus: ${pages}`);
    let checked = 0;
    const missed = [];
    for (const p of pages) {
      await page.goto(srv.base + p);
      const n = await page.locator('form[method=post]').count();
      for (let i = 0; i < n; i++) {
        await page.goto(srv.base + p);
        const form = page.locator('form[method=post]').nth(i);
        const action = await form.getAttribute('action');
        // The language switch needs no session (it only sets a cookie).
        if (action === '/lang') continue;
        // An expired form: the session's token no longer matches, the way a
        // page left open across a new login is refused.
        const typed = await form.evaluate((f, kept) => {
          const d = f.closest('details');
          if (d) d.open = true;
          f.noValidate = true;
          document.body.setAttribute('hx-headers', '{"X-CSRF-Token": "scaduto"}');
          const csrf = f.querySelector('input[name=csrf]');
          if (csrf) csrf.value = 'scaduto';
          const field = [...f.querySelectorAll('textarea, input[type=text], input:not([type])')].find((el) => !el.readOnly && !el.disabled);
          if (!field) return null;
          field.value = kept;
          return field.id || field.name;
        }, KEPT);
        const posted = page.waitForRequest((r) => r.method() === 'POST', { timeout: TIMEOUT });
        await form.evaluate((f) => {
          const b = f.querySelector('button[type=submit], button:not([type]), input[type=submit]');
          f.requestSubmit(b || undefined);
        });
        // Sent where the form says (a control named "action" must not hide it).
        assert.equal(new URL((await posted).url()).pathname, new URL(action, srv.base).pathname, `${p}: posted elsewhere`);
        let msg = '';
        try {
          msg = await errorIn(form);
        } catch {
          missed.push(`${p} ${action}`);
          continue;
        }
        assert.equal(msg, 'Modulo scaduto: ricarica la pagina e riprova.', `${p} ${action}`);
        assert.equal(new URL(page.url()).pathname, p, `${p} ${action}: the page was left`);
        if (typed) {
          const v = await form.evaluate((f, id) => (f.querySelector('#' + CSS.escape(id)) || f.elements.namedItem(id)).value, typed);
          assert.equal(v, KEPT, `${p} ${action}: what was typed in ${typed} was lost`);
        }
        await assertAccessible(page, `refused ${action} on ${p}`);
        checked++;
      }
    }
    assert.deepEqual(missed, [], `forms whose refusal was not shown beside them (of ${checked + missed.length})`);
    assert.ok(checked >= 40, `only ${checked} forms checked`);
    console.log(`refusals: ${checked} forms on ${pages.length} pages`);
  }));
});
