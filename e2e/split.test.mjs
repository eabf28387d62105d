// Browser test of the inbox's split view: on a wide screen (1,440 px) the
// list stays on the left and the conversation chosen opens on the right
// with no page load (a marker set on window survives), the address is the
// conversation's and Back and Forward move between them, the list keeps
// its scroll and its live updates; the pane's own actions work. On a phone
// (390 px) a conversation is a page of its own, as before. A conversation
// opened beside the list and reloaded is beside the list again. axe-core
// checks every new state.
//
// Run with `node --test e2e/split.test.mjs`.

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
    external_id: `${run}-${contact}-${i}`, contact: { external_id: `${run}-${contact}`, name: `Cittadina ${contact} ${run}` },
    text, sent_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  });
  const sig = 'sha256=' + createHmac('sha256', channel.secret).update(body).digest('hex');
  const r = await fetch(`${srv.base}/api/v1/channels/${channel.id}/messages`, {
    method: 'POST', body, headers: { 'Content-Type': 'application/json', 'X-Redazione-Signature': sig },
  });
  assert.equal(r.status, 202, await r.text());
}

const listScroll = (page) => page.locator('#split-list').evaluate((el) => el.scrollTop);
const marker = (page) => page.evaluate(() => window.splitMarker || null);
const paneName = (page) => page.locator('#conversation-pane h1');

describe('Redazione: the inbox split view', { timeout: 300_000 }, () => {
  before(async () => {
    srv = await startServer({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD });
    channel = JSON.parse(await srv.cli(['channel', 'add', 'api', '--name', `Segnalazioni ${run}`]));
    // Enough citizens for the list to scroll.
    for (let i = 0; i < 40; i += 10) {
      await Promise.all(Array.from({ length: 10 }, (_, j) => send(`c${i + j}`, `Lampione spento in via Dante ${i + j}`, 0)));
    }
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await srv?.stop();
  });

  it('on a wide screen conversations open beside the list, with the address, Back and the list scroll kept', async () => {
    const page = await (await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 1440, height: 900 } })).newPage();
    try {
      await login(page, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
      await page.goto(srv.base + '/inbox?view=all');
      await page.locator('#inbox-split.is-split').waitFor({ timeout: TIMEOUT });
      await page.waitForFunction(() => document.body.dataset.live === 'on', null, { timeout: TIMEOUT });
      await page.getByText('Scegli una conversazione dall\'elenco').waitFor({ timeout: TIMEOUT });
      await assertAccessible(page, 'the split inbox with nothing open');
      await page.evaluate((m) => { window.splitMarker = m; }, run);

      // The list scrolls on its own: scroll it down to a row further on.
      const rows = page.locator('#conversation-list li[data-conversation]');
      assert.ok(await rows.count() >= 40, 'the list holds every citizen');
      await rows.nth(20).scrollIntoViewIfNeeded();
      let scrolled = await listScroll(page);
      assert.ok(scrolled > 200, `the list did not scroll (${scrolled})`);

      // The first conversation: no page load, the address is its own.
      const first = rows.nth(20);
      const firstID = await first.getAttribute('data-conversation');
      const firstName = (await first.locator('.conv-contact').innerText()).trim();
      await first.locator('a.conv-link').click();
      await page.waitForURL((u) => u.pathname === `/conversations/${firstID}`, { timeout: TIMEOUT });
      await paneName(page).filter({ hasText: firstName }).waitFor({ timeout: TIMEOUT });
      assert.equal(await marker(page), run, 'the page was loaded again');
      assert.equal(await listScroll(page), scrolled, 'the list lost its scroll');
      assert.equal(await first.locator('a.conv-link').getAttribute('aria-current'), 'page');
      assert.match(await page.title(), new RegExp(`^Conversazione – ${firstName}`));
      await page.getByRole('region', { name: 'Conversazione' }).getByText(/Lampione spento/).waitFor({ timeout: TIMEOUT });
      await assertAccessible(page, 'the split inbox with a conversation open');

      // A second one, further down the list.
      const second = rows.nth(23);
      const secondID = await second.getAttribute('data-conversation');
      const secondName = (await second.locator('.conv-contact').innerText()).trim();
      await second.scrollIntoViewIfNeeded();
      scrolled = await listScroll(page);
      await second.locator('a.conv-link').click();
      await page.waitForURL((u) => u.pathname === `/conversations/${secondID}`, { timeout: TIMEOUT });
      await paneName(page).filter({ hasText: secondName }).waitFor({ timeout: TIMEOUT });
      assert.equal(await marker(page), run, 'the page was loaded again');
      assert.equal(await listScroll(page), scrolled, 'the list lost its scroll');
      assert.equal(await second.locator('a.conv-link').getAttribute('aria-current'), 'page');
      assert.equal(await first.locator('a.conv-link').getAttribute('aria-current'), null, 'two rows are marked open');
      assert.equal(await page.locator('#conversation-main').count(), 1);

      // Back: the first again; back again: the list alone; forward: the first.
      await page.goBack();
      await page.waitForURL((u) => u.pathname === `/conversations/${firstID}`, { timeout: TIMEOUT });
      await paneName(page).filter({ hasText: firstName }).waitFor({ timeout: TIMEOUT });
      assert.equal(await first.locator('a.conv-link').getAttribute('aria-current'), 'page');
      await page.goBack();
      await page.waitForURL((u) => u.pathname === '/inbox', { timeout: TIMEOUT });
      await page.getByText('Scegli una conversazione dall\'elenco').waitFor({ timeout: TIMEOUT });
      assert.equal(await page.locator('#conversation-list a[aria-current]').count(), 0);
      await page.goForward();
      await page.waitForURL((u) => u.pathname === `/conversations/${firstID}`, { timeout: TIMEOUT });
      await paneName(page).filter({ hasText: firstName }).waitFor({ timeout: TIMEOUT });
      assert.equal(await marker(page), run, 'Back or Forward loaded the page again');
      assert.equal(await listScroll(page), scrolled, 'the list lost its scroll');

      // The pane's own actions work there: a tag, then a reply.
      const tag = `lampioni-${run}`;
      await page.locator('#conversation-pane #add-tag').fill(tag);
      await page.locator('#conversation-pane form:has(#add-tag) button').click();
      await page.locator('#conversation-details .tag-list').getByText(tag).waitFor({ timeout: TIMEOUT });
      await page.locator('#live-status', { hasText: 'Etichetta aggiunta' }).waitFor({ state: 'attached', timeout: TIMEOUT });
      const reply = `Buongiorno, segnaliamo il lampione al gestore. (${run})`;
      await page.getByLabel('Testo', { exact: true }).fill(reply);
      await page.getByRole('button', { name: 'Invia risposta' }).click();
      await page.getByRole('region', { name: 'Conversazione' }).getByText(reply).waitFor({ timeout: TIMEOUT });
      await page.locator('#live-status', { hasText: 'Risposta inviata' }).waitFor({ state: 'attached', timeout: TIMEOUT });
      // The canned answers work in the pane too.
      const text = page.getByLabel('Testo', { exact: true });
      await text.focus();
      await page.keyboard.type('/');
      await page.getByRole('combobox', { name: /Inserisci risposta predefinita/ }).waitFor({ timeout: TIMEOUT });
      await page.keyboard.type('orari');
      await page.getByRole('option', { name: /Orari dell'URP/ }).waitFor({ timeout: TIMEOUT });
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.getElementById('reply-text').value.startsWith('Buongiorno'), null, { timeout: TIMEOUT });
      await text.fill('');
      assert.equal(await marker(page), run, 'an action loaded the page again');

      // Live: a new citizen appears in the list, the open citizen's new
      // message in the pane, and the open row stays marked.
      await send('nuova', 'Buca in piazza Garibaldi', 0);
      await page.locator('#conversation-list .conv-contact').getByText(`Cittadina nuova ${run}`, { exact: true }).waitFor({ timeout: TIMEOUT });
      const openContact = firstName.replace(/^Cittadina /, '').replace(` ${run}`, '');
      await send(openContact, 'Aggiungo: è spento da tre giorni', 1);
      await page.getByRole('region', { name: 'Conversazione' }).getByText('Aggiungo: è spento da tre giorni').waitFor({ timeout: TIMEOUT });
      assert.equal(await page.locator(`#conversation-list li[data-conversation="${firstID}"] a.conv-link`).getAttribute('aria-current'), 'page');
      assert.equal(await marker(page), run, 'a live update loaded the page again');
      assert.equal(new URL(page.url()).pathname, `/conversations/${firstID}`);
      await assertAccessible(page, 'the split inbox after a live update');
    } catch (err) {
      await shot(page, 'split-wide');
      throw err;
    }
  });

  it('on a wide screen a conversation opened beside the list, reloaded, is still beside the list', async () => {
    const page = await (await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 1440, height: 900 } })).newPage();
    try {
      await login(page, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
      await page.goto(srv.base + '/inbox?view=all');
      await page.locator('#inbox-split.is-split').waitFor({ timeout: TIMEOUT });
      const row = page.locator('#conversation-list li[data-conversation]').nth(5);
      const id = await row.getAttribute('data-conversation');
      const name = (await row.locator('.conv-contact').innerText()).trim();
      await row.locator('a.conv-link').click();
      await page.waitForURL((u) => u.pathname === `/conversations/${id}`, { timeout: TIMEOUT });
      await paneName(page).filter({ hasText: name }).waitFor({ timeout: TIMEOUT });

      await page.reload();
      // The list again, the conversation beside it, its address kept and
      // the inbox's filter too (view=all: every citizen is listed).
      await paneName(page).filter({ hasText: name }).waitFor({ timeout: TIMEOUT });
      await page.locator('#inbox-split.is-split').waitFor({ timeout: TIMEOUT });
      assert.ok(await page.locator('#conversation-list li[data-conversation]').count() >= 40, 'the list is not the whole inbox');
      assert.equal(new URL(page.url()).pathname, `/conversations/${id}`);
      assert.equal(new URL(page.url()).search, '');
      await page.waitForFunction((i) => document.querySelector(`#conversation-list li[data-conversation="${i}"] a.conv-link`)?.getAttribute('aria-current') === 'page', id, { timeout: TIMEOUT });
      assert.match(await page.title(), new RegExp(`^Conversazione – ${name}`));
      await page.getByRole('region', { name: 'Conversazione' }).getByText(/Lampione spento/).waitFor({ timeout: TIMEOUT });
      await assertAccessible(page, 'the split inbox reloaded on a conversation');

      // Back: the inbox the conversation was opened from.
      await page.goBack();
      await page.waitForURL((u) => u.pathname === '/inbox' && u.searchParams.get('view') === 'all', { timeout: TIMEOUT });
      await page.getByText('Scegli una conversazione dall\'elenco').waitFor({ timeout: TIMEOUT });
    } catch (err) {
      await shot(page, 'split-reload');
      throw err;
    }
  });

  it('on a phone a conversation is a page of its own', async () => {
    const page = await (await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 390, height: 844 } })).newPage();
    try {
      await login(page, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
      await page.goto(srv.base + '/inbox?view=all');
      await page.waitForFunction(() => document.body.dataset.live === 'on', null, { timeout: TIMEOUT });
      assert.equal(await page.locator('#inbox-split.is-split').count(), 0, 'the split view is on at 390 px');
      assert.equal(await page.locator('#conversation-pane').isVisible(), false, 'the pane shows at 390 px');
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, 'the inbox scrolls sideways');
      await assertAccessible(page, 'the inbox on a phone');
      await page.evaluate((m) => { window.splitMarker = m; }, run);
      const row = page.locator('#conversation-list li[data-conversation]').first();
      const id = await row.getAttribute('data-conversation');
      const name = (await row.locator('.conv-contact').innerText()).trim();
      await row.locator('a.conv-link').click();
      await page.waitForURL((u) => u.pathname === `/conversations/${id}`, { timeout: TIMEOUT });
      await page.getByRole('heading', { level: 1, name }).waitFor({ timeout: TIMEOUT });
      assert.equal(await marker(page), null, 'the conversation did not open as a page of its own');
      await page.getByRole('link', { name: /Torna ai messaggi/ }).waitFor({ timeout: TIMEOUT });
      await page.reload();
      await page.getByRole('heading', { level: 1, name }).waitFor({ timeout: TIMEOUT });
      assert.equal(new URL(page.url()).pathname, `/conversations/${id}`, 'reloaded on a phone, the conversation left its page');
      assert.equal(await page.locator('#conversation-list').count(), 0, 'reloaded on a phone, the conversation shows the list');
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, 'the page scrolls sideways');
      await assertAccessible(page, 'a conversation page on a phone');
    } catch (err) {
      await shot(page, 'split-phone');
      throw err;
    }
  });
});
