// Browser test of a heavy day's inbox: with more conversations than a page
// holds, scrolling loads the next ones (no row twice, the count in the
// heading), a live update keeps what was loaded; with JavaScript off,
// "Carica altre" and "Messaggi precedenti" are plain links that work.
// axe-core checks every new state.
//
// Run with `node --test e2e/paging.test.mjs`.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startServer, launchBrowser, login, shot, assertAccessible, TIMEOUT } from './harness.mjs';

const ADMIN_EMAIL = 'admin@example.it';
const ADMIN_PASSWORD = 'e2e-Password-per-i-test-2024';
const run = Date.now().toString(36);

let srv, browser, channel;

// send posts a citizen's message on the signed API channel.
async function send(contact, text, i) {
  const body = JSON.stringify({
    external_id: `${run}-${contact}-${i}`, contact: { external_id: `${run}-${contact}`, name: `Cittadino ${contact}` },
    text, sent_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  });
  const sig = 'sha256=' + createHmac('sha256', channel.secret).update(body).digest('hex');
  const r = await fetch(`${srv.base}/api/v1/channels/${channel.id}/messages`, {
    method: 'POST', body, headers: { 'Content-Type': 'application/json', 'X-Redazione-Signature': sig },
  });
  assert.equal(r.status, 202, await r.text());
}

// rows returns the conversations the list shows, by id.
const rows = (page) => page.locator('#conversation-list li[data-conversation]').evaluateAll((els) => els.map((e) => e.dataset.conversation));
// shown is the number in the list's heading ("124 conversazioni").
async function shown(page) {
  const text = await page.locator('#list-title').textContent();
  const m = text.match(/^([\d.]+) conversazion[ei]$/);
  assert.ok(m, `the heading says ${text}`);
  return Number(m[1].replace(/\./g, ''));
}

describe('Redazione: every conversation reachable, a page at a time', { timeout: 300_000 }, () => {
  before(async () => {
    srv = await startServer({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD });
    channel = JSON.parse(await srv.cli(['channel', 'add', 'api', '--name', `Segnalazioni ${run}`]));
    // A flood: one citizen who writes 105 times (waiting the longest, so
    // on the first page), then 90 others.
    for (let i = 1; i <= 105; i++) await send('lungo', `Messaggio numero ${i} del cittadino`, i);
    for (let i = 0; i < 90; i += 10) {
      await Promise.all(Array.from({ length: 10 }, (_, j) => send(`c${i + j}`, `Acqua in cantina, via Roma ${i + j}`, 0)));
    }
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await srv?.stop();
  });

  it('scrolling loads the next conversations, each once, and a live update keeps them', async () => {
    const page = await (await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 1280, height: 900 } })).newPage();
    try {
      await login(page, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
      await page.goto(srv.base + '/inbox?view=all');
      const total = await shown(page);
      assert.ok(total > 90, `the heading counts ${total}`);
      assert.equal((await rows(page)).length, 50, 'the first page holds 50');
      await assertAccessible(page, 'the inbox with more to load');
      // A Tab onto Carica altre brings it into view, which loads the next
      // page: the focus goes on to the first row loaded, not to the top.
      await page.locator('#list-more a').focus();
      await page.waitForFunction(() => document.querySelectorAll('#conversation-list li[data-conversation]').length > 50, null, { timeout: TIMEOUT });
      await page.waitForFunction(() => document.activeElement !== document.body, null, { timeout: TIMEOUT });
      const focused = await page.evaluate(() => {
        const li = document.activeElement.closest('#conversation-list li[data-conversation]');
        return li ? Array.prototype.indexOf.call(li.parentNode.children, li) : document.activeElement.outerHTML.slice(0, 80);
      });
      assert.equal(focused, 50, 'the focus is on the first row loaded');
      // Scroll to the end until nothing more comes.
      for (let n = (await rows(page)).length; n < total;) {
        await page.locator('#list-more a').scrollIntoViewIfNeeded();
        await page.waitForFunction((k) => document.querySelectorAll('#conversation-list li[data-conversation]').length > k, n, { timeout: TIMEOUT });
        n = (await rows(page)).length;
      }
      const ids = await rows(page);
      assert.equal(ids.length, total, 'every conversation loaded');
      assert.equal(new Set(ids).size, ids.length, 'no conversation twice');
      assert.equal(await page.locator('#list-more').count(), 0, 'no Carica altre after the last');
      await page.locator('#live-status').filter({ hasText: /Caricat[ae] .*conversazion[ei]/ }).waitFor({ state: 'attached', timeout: TIMEOUT });
      await assertAccessible(page, 'the inbox with every page loaded');

      // A citizen writes: the list is redrawn live, with what was loaded.
      await page.waitForFunction(() => document.body.dataset.live === 'on', null, { timeout: TIMEOUT });
      await send('nuovo', 'Anche qui la strada è allagata', 0);
      await page.locator('#list-title', { hasText: `${total + 1} conversazioni` }).waitFor({ timeout: TIMEOUT });
      const after = await rows(page);
      assert.equal(new Set(after).size, after.length, 'no conversation twice after the redraw');
      assert.ok(after.length >= total, `the redraw keeps the loaded rows (${after.length} of ${total})`);
      await assertAccessible(page, 'the inbox redrawn live after loading every page');
    } catch (err) {
      await shot(page, 'paging-scroll');
      throw err;
    }
  });

  it('without JavaScript, Carica altre and Messaggi precedenti are links that work', async () => {
    const ctx = await browser.newContext({ locale: 'it-IT', bypassCSP: true, javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
    const page = await ctx.newPage();
    try {
      await login(page, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
      await page.goto(srv.base + '/inbox?view=all&status=any');
      const first = await rows(page);
      const total = await shown(page);
      assert.equal(first.length, 50);
      await page.getByRole('link', { name: 'Carica altre' }).click();
      await page.waitForURL(/cursor=/, { timeout: TIMEOUT });
      assert.match(page.url(), /status=any/, 'the filter is kept');
      const second = await rows(page);
      assert.equal(second.length, Math.min(50, total - 50), 'the second page holds the next ones');
      assert.ok(second.every((id) => !first.includes(id)), 'the next page repeats none of the first');
      await page.getByRole('link', { name: 'Torna alle prime conversazioni' }).waitFor({ timeout: TIMEOUT });
      const noJS = page.url();

      // The long thread opens on its latest messages.
      await page.goto(srv.base + '/inbox?view=all');
      await page.locator('.conv-item', { hasText: 'Cittadino lungo' }).getByRole('link').click();
      await page.getByText('Messaggio numero 105 del cittadino').waitFor({ timeout: TIMEOUT });
      assert.equal(await page.getByText('Messaggio numero 5 del cittadino', { exact: true }).count(), 0, 'the oldest are on an earlier page');
      await page.getByRole('link', { name: 'Messaggi precedenti' }).click();
      await page.getByText('Messaggio numero 5 del cittadino', { exact: true }).waitFor({ timeout: TIMEOUT });
      await page.getByRole('link', { name: 'Messaggi successivi' }).waitFor({ timeout: TIMEOUT });
      const earlier = page.url();

      // axe runs as a script: the same pages, read with JavaScript on (at
      // desktop width: the header's own contrast at phone width is issue
      // 16's point 6, not this page's).
      const a11y = await (await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 1280, height: 900 } })).newPage();
      await login(a11y, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
      await a11y.goto(noJS);
      await assertAccessible(a11y, 'a later page of the inbox');
      await a11y.goto(earlier);
      await a11y.getByText('Messaggio numero 5 del cittadino', { exact: true }).waitFor({ timeout: TIMEOUT });
      await assertAccessible(a11y, 'an earlier page of a thread');
    } catch (err) {
      await shot(page, 'paging-no-js');
      throw err;
    }
  });
});
