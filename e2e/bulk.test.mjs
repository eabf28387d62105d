// Browser test of bulk work in the inbox: Shift+click chooses a range, the
// confirmation asks "Assegnare 5 conversazioni a Anna Russo?", and the
// result shows; the whole view, beyond the loaded page, is chosen by its
// link; with JavaScript off, the same toolbar is a plain form that
// confirms and applies (here: snooze until tomorrow, then the Rimandate
// view). axe-core checks every new page and state.
//
// Run with `node --test e2e/bulk.test.mjs`.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import path from 'node:path';
import { startServer, launchBrowser, login, shot, assertAccessible, formatViolations, root, TIMEOUT } from './harness.mjs';

const ADMIN_EMAIL = 'admin@example.it';
const ADMIN_PASSWORD = 'e2e-Password-per-i-test-2024';
const run = Date.now().toString(36);
const TOTAL = 60; // more than the 50 of a page

let srv, browser, channel;

async function send(contact, text) {
  const body = JSON.stringify({
    external_id: `${run}-${contact}`, contact: { external_id: `${run}-${contact}`, name: `Cittadino ${contact}` },
    text, sent_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  });
  const sig = 'sha256=' + createHmac('sha256', channel.secret).update(body).digest('hex');
  const r = await fetch(`${srv.base}/api/v1/channels/${channel.id}/messages`, {
    method: 'POST', body, headers: { 'Content-Type': 'application/json', 'X-Redazione-Signature': sig },
  });
  assert.equal(r.status, 202, await r.text());
}

// assertPartAccessible runs axe-core on parts of a page only (at phone
// width the header's own contrast is issue 16's point 6, not this test's).
async function assertPartAccessible(page, selectors, label) {
  if (!await page.evaluate(() => typeof window.axe === 'object')) await page.addScriptTag({ path: path.join(root, 'node_modules', 'axe-core', 'axe.min.js') });
  const v = (await page.evaluate((include) =>
    // eslint-disable-next-line no-undef
    axe.run({ include }, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }), selectors.map((s) => [s]))).violations;
  if (v.length) await shot(page, 'a11y-' + label);
  assert.equal(v.length, 0, `${label}: axe violations\n${formatViolations(v)}`);
}

const rows = (page) => page.locator('#conversation-list li[data-conversation]');
const view = () => `${srv.base}/inbox?view=all&channel=${channel.id}`;

describe('Redazione: bulk work in the inbox', { timeout: 300_000 }, () => {
  before(async () => {
    srv = await startServer({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD });
    channel = JSON.parse(await srv.cli(['channel', 'add', 'api', '--name', `Segnalazioni ${run}`]));
    for (let i = 0; i < TOTAL; i += 10) {
      await Promise.all(Array.from({ length: 10 }, (_, j) => send(`c${i + j}`, `Buca in via Verdi ${i + j}`)));
    }
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await srv?.stop();
  });

  it('Shift+click chooses a range, the confirmation names it, and the result shows', async () => {
    const page = await (await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 1280, height: 900 } })).newPage();
    try {
      await login(page, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
      await page.goto(view());
      assert.equal(await rows(page).count(), 50);
      const boxes = page.locator('#conversation-list input[name=id]');
      const first = await rows(page).nth(0).locator('.conv-contact').textContent();
      // Each box is named by its conversation.
      await page.getByRole('checkbox', { name: `Seleziona: ${first}` }).check();
      await boxes.nth(4).click({ modifiers: ['Shift'] });
      await page.locator('#bulk-count', { hasText: '5 conversazioni selezionate' }).waitFor({ timeout: TIMEOUT });
      for (let i = 0; i < 6; i++) assert.equal(await boxes.nth(i).isChecked(), i < 5, `box ${i}`);
      assert.equal(await page.locator('#bulk-bar').getAttribute('open'), '', 'the toolbar opens with a choice');
      await assertAccessible(page, 'the inbox with five conversations chosen');

      await page.getByLabel('Assegna a').selectOption({ label: 'Anna Russo' });
      await page.getByRole('button', { name: 'Assegna', exact: true }).click();
      await page.getByText('Assegnare 5 conversazioni a Anna Russo?').waitFor({ timeout: TIMEOUT });
      await assertAccessible(page, 'the bulk confirmation');
      await page.getByRole('button', { name: 'Conferma' }).click();
      await page.getByText('Fatto: 5 conversazioni aggiornate.').waitFor({ timeout: TIMEOUT });
      await assertAccessible(page, 'the bulk result');
      await page.getByRole('link', { name: 'Torna ai messaggi' }).click();
      await page.waitForURL(/view=all/, { timeout: TIMEOUT });
      const assignees = await rows(page).locator('.conv-assignee').allTextContents();
      assert.equal(assignees.filter((t) => t.includes('Anna Russo')).length, 5, 'five rows say Anna Russo');
    } catch (err) {
      await shot(page, 'bulk-range');
      throw err;
    }
  });

  it('the whole view, including the conversations not loaded, is chosen by its link', async () => {
    const page = await (await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 1280, height: 900 } })).newPage();
    try {
      await login(page, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
      await page.goto(view());
      await page.locator('#bulk-bar summary').click();
      await page.getByLabel('Seleziona tutte le conversazioni della pagina').check();
      await page.locator('#bulk-count', { hasText: '50 conversazioni selezionate' }).waitFor({ timeout: TIMEOUT });
      await page.getByRole('button', { name: `Seleziona tutte le ${TOTAL} di questa vista` }).click();
      await page.locator('#bulk-count', { hasText: `${TOTAL} conversazioni selezionate` }).waitFor({ timeout: TIMEOUT });
      await assertAccessible(page, 'the whole view chosen');
      await page.getByLabel("Aggiungi l'etichetta").fill(`Strade ${run}`);
      await page.getByLabel("Aggiungi l'etichetta").press('Enter');
      await page.getByText(`Aggiungere l'etichetta «strade-${run}» a ${TOTAL} conversazioni?`).waitFor({ timeout: TIMEOUT });
      await page.getByRole('button', { name: 'Conferma' }).click();
      await page.getByText(`Fatto: ${TOTAL} conversazioni aggiornate.`).waitFor({ timeout: TIMEOUT });
      await page.goto(`${view()}&tag=strade-${run}`);
      await page.locator('#list-title', { hasText: `${TOTAL} conversazioni` }).waitFor({ timeout: TIMEOUT });
    } catch (err) {
      await shot(page, 'bulk-view');
      throw err;
    }
  });

  it('without JavaScript, the toolbar is a form that confirms and applies, at phone width', async () => {
    const ctx = await browser.newContext({ locale: 'it-IT', bypassCSP: true, javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
    const page = await ctx.newPage();
    try {
      await login(page, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
      await page.goto(view());
      await page.locator('#bulk-bar summary').click();
      const names = await rows(page).locator('.conv-contact').allTextContents();
      await page.getByRole('checkbox', { name: `Seleziona: ${names[10]}` }).check();
      await page.getByRole('checkbox', { name: `Seleziona: ${names[11]}` }).check();
      await page.getByLabel('Rimanda', { exact: true }).selectOption({ label: 'Domani alle 9' });
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no horizontal scroll at 390 px');
      await page.getByRole('button', { name: 'Rimanda', exact: true }).click();
      await page.getByText(/^Rimandare 2 conversazioni fino a \S+ \d+ \S+ \d{4} alle 9:00\?$/).waitFor({ timeout: TIMEOUT });
      await page.getByRole('button', { name: 'Conferma' }).click();
      await page.getByText('Fatto: 2 conversazioni aggiornate.').waitFor({ timeout: TIMEOUT });
      await page.goto(`${srv.base}/inbox?view=snoozed&channel=${channel.id}`);
      const snoozed = await rows(page).locator('.conv-contact').allTextContents();
      assert.deepEqual(snoozed.sort(), [names[10], names[11]].sort(), 'Rimandate holds the two');
      await page.goto(view());
      const open = await rows(page).locator('.conv-contact').allTextContents();
      assert.ok(!open.includes(names[10]) && !open.includes(names[11]), 'they left the open view');

      // axe runs as a script: the same pages, read with JavaScript on, the
      // toolbar open at phone width.
      const a11y = await (await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 390, height: 844 } })).newPage();
      await login(a11y, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
      await a11y.goto(view());
      await a11y.locator('#bulk-bar summary').click();
      assert.ok(await a11y.evaluate(() => document.documentElement.scrollWidth <= 390), 'no horizontal scroll at 390 px with the toolbar open');
      await assertPartAccessible(a11y, ['#bulk-bar', '#conversation-list'], 'the toolbar and list at phone width');
      await a11y.setViewportSize({ width: 1280, height: 900 });
      await a11y.goto(`${srv.base}/inbox?view=snoozed&channel=${channel.id}`);
      await assertAccessible(a11y, 'the Rimandate view');
    } catch (err) {
      await shot(page, 'bulk-nojs');
      throw err;
    } finally {
      await ctx.close();
    }
  });
});
