// Browser test of the inbox and a conversation with the keyboard only: the
// shortcuts (j/k, Enter, r, n, a, e, Ctrl+Enter, ?), and the focus never
// lost: after Assegna, the status's Salva, a tag's × and a live redraw of
// the list the focus stays on the control acted on (or the nearest one
// left), and the outcome is said in the page's live region. The shortcuts
// never take a key typed in a field. axe-core checks every new state.
//
// Run with `node --test e2e/keyboard.test.mjs`.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startServer, launchBrowser, login, shot, assertAccessible, TIMEOUT } from './harness.mjs';

const ADMIN_EMAIL = 'admin@example.it';
const ADMIN_PASSWORD = 'e2e-Password-per-i-test-2024';
const run = Date.now().toString(36);

let srv, browser, channel, page;

// send posts a citizen's message on the signed API channel.
async function send(contact, text, i) {
  const body = JSON.stringify({
    external_id: `${run}-${contact}-${i}`, contact: { external_id: `${run}-${contact}`, name: `Cittadino ${contact} ${run}` },
    text, sent_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  });
  const sig = 'sha256=' + createHmac('sha256', channel.secret).update(body).digest('hex');
  const r = await fetch(`${srv.base}/api/v1/channels/${channel.id}/messages`, {
    method: 'POST', body, headers: { 'Content-Type': 'application/json', 'X-Redazione-Signature': sig },
  });
  assert.equal(r.status, 202, await r.text());
}

// focused describes the focused element: what a test compares.
const focused = () => page.evaluate(() => {
  const a = document.activeElement;
  const row = a && a.closest('li[data-conversation]');
  const form = a && a.closest('form');
  return {
    tag: a.tagName, id: a.id || null, text: (a.getAttribute('aria-label') || a.textContent || '').trim(),
    conversation: row ? row.dataset.conversation : null, inList: !!a.closest('#conversation-list'),
    inDetails: !!a.closest('#conversation-details'), inDialog: !!a.closest('dialog'),
    action: form ? form.getAttribute('action') : null,
  };
});
// Every text the page's live region says, in order (a screen reader hears
// each, however soon the next one comes).
function recordLiveRegion() {
  window.liveSaid = [];
  document.addEventListener('DOMContentLoaded', () => {
    const live = document.getElementById('live-status');
    if (!live) return;
    new MutationObserver(() => { if (live.textContent) window.liveSaid.push(live.textContent); })
      .observe(live, { childList: true, characterData: true, subtree: true });
  });
}
// said waits until the live region has said text, then forgets what it
// said so far.
async function said(text) {
  let found;
  try {
    found = await (await page.waitForFunction((t) => window.liveSaid.find((s) => s.includes(t)), text, { timeout: TIMEOUT })).jsonValue();
  } catch (err) {
    throw new Error(`the live region never said ${JSON.stringify(text)}; it said ${JSON.stringify(await page.evaluate(() => window.liveSaid))}`);
  }
  await page.evaluate(() => { window.liveSaid = []; });
  return found;
}
// tabTo presses Tab (back: Shift+Tab) until the focus is on what matches
// (at most 80 times).
async function tabTo(test, arg, back = false) {
  for (let i = 0; i < 80; i++) {
    if (await page.evaluate(test, arg)) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  assert.fail(`Tab never reached ${test} ${arg}`);
}
const rowIDs = () => page.locator('#conversation-list li[data-conversation]').evaluateAll((els) => els.map((e) => e.dataset.conversation));

describe('Redazione: the keyboard alone', { timeout: 300_000 }, () => {
  before(async () => {
    srv = await startServer({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD });
    channel = JSON.parse(await srv.cli(['channel', 'add', 'api', '--name', `Sportello ${run}`]));
    for (let i = 0; i < 6; i++) await send(`c${i}`, `Richiesta numero ${i}: il cassonetto è pieno`, 0);
    browser = await launchBrowser();
    page = await (await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 1440, height: 900 } })).newPage();
    await page.addInitScript(recordLiveRegion);
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
      await shot(page, 'keyboard-' + name);
      throw err;
    }
  }

  it('j and k move along the list, Enter opens, and the focus stays on the row', () => step('list', async () => {
    await page.goto(srv.base + '/inbox?view=all');
    await page.waitForFunction(() => document.body.dataset.live === 'on', null, { timeout: TIMEOUT });
    const ids = await rowIDs();
    assert.ok(ids.length >= 6);
    await page.keyboard.press('j');
    assert.equal((await focused()).conversation, ids[0], 'j does not go to the first row');
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    assert.equal((await focused()).conversation, ids[2]);
    await page.keyboard.press('k');
    assert.equal((await focused()).conversation, ids[1], 'k does not go back');
    // With a modifier the key is the browser's, not a shortcut.
    await page.keyboard.press('Alt+j');
    assert.equal((await focused()).conversation, ids[1], 'Alt+j moved in the list');

    const name = (await page.locator(`#conversation-list li[data-conversation="${ids[1]}"] .conv-contact`).innerText()).trim();
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.pathname === `/conversations/${ids[1]}`, { timeout: TIMEOUT });
    await page.locator('#conversation-main').waitFor({ timeout: TIMEOUT });
    const f = await focused();
    assert.equal(f.conversation, ids[1], 'opening moved the focus away from the row');
    assert.equal(f.inList, true);
    await said(`Conversazione aperta: ${name}`);
    assert.equal(await page.locator(`#conversation-list li[data-conversation="${ids[1]}"] a`).getAttribute('aria-current'), 'page');
  }));

  it('? opens the list of shortcuts: focus kept inside, Escape closes it and the focus comes back', () => step('dialog', async () => {
    const before = await focused();
    await page.keyboard.press('?');
    const dialog = page.getByRole('dialog', { name: 'Scorciatoie da tastiera' });
    await dialog.waitFor({ timeout: TIMEOUT });
    assert.equal((await focused()).inDialog, true, 'the focus is not in the dialog');
    const keys = await dialog.locator('kbd').allInnerTexts();
    for (const k of ['j', 'k', 'Invio', 'r', 'n', 'a', 'e', 'Ctrl', '?']) assert.ok(keys.includes(k), `the dialog does not list ${k}: ${keys}`);
    await dialog.getByText('Invia la risposta o la nota').waitFor({ timeout: TIMEOUT });
    await assertAccessible(page, 'the shortcuts dialog');
    for (const k of ['Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
      await page.keyboard.press(k);
      assert.equal((await focused()).inDialog, true, `${k} left the dialog`);
    }
    // Shortcuts do nothing behind the dialog.
    await page.keyboard.press('j');
    assert.equal((await focused()).inDialog, true);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', timeout: TIMEOUT });
    assert.deepEqual(await focused(), before, 'the focus did not come back');
    // The button opens it too, and gives the focus back to itself.
    await tabTo(() => document.activeElement.id === 'shortcuts-open', null, true);
    await page.keyboard.press('Enter');
    await dialog.waitFor({ timeout: TIMEOUT });
    await page.keyboard.press('Enter'); // Chiudi
    await dialog.waitFor({ state: 'hidden', timeout: TIMEOUT });
    assert.equal((await focused()).id, 'shortcuts-open');
  }));

  it('r and n write a reply or a note, Ctrl+Enter sends, and letters typed stay in the text', () => step('compose', async () => {
    await page.keyboard.press('r');
    let f = await focused();
    assert.equal(f.id, 'reply-text', 'r does not focus the reply');
    assert.equal(await page.locator('#kind-reply').isChecked(), true);
    const reply = `Buongiorno, il cassonetto sarà svuotato domani jk (${run})`;
    await page.keyboard.type(reply);
    assert.equal(await page.locator('#reply-text').inputValue(), reply, 'a shortcut took a key typed in the text');
    assert.equal((await focused()).id, 'reply-text');
    await page.keyboard.press('Control+Enter');
    await page.getByRole('region', { name: 'Conversazione' }).getByText(reply).waitFor({ timeout: TIMEOUT });
    await said('Risposta inviata');
    assert.equal((await focused()).id, 'reply-text', 'the focus left the composer after sending');
    assert.equal(await page.locator('#reply-text').inputValue(), '');
    await assertAccessible(page, 'a reply sent with Ctrl+Enter');

    // Out of the text (to the radio buttons), then n.
    await page.keyboard.press('Shift+Tab');
    f = await focused();
    assert.equal(f.tag, 'INPUT');
    await page.keyboard.press('n');
    f = await focused();
    assert.equal(f.id, 'reply-text', 'n does not focus the text');
    assert.equal(await page.locator('#kind-note').isChecked(), true, 'n does not choose the note');
    await page.getByRole('button', { name: 'Aggiungi nota' }).waitFor({ timeout: TIMEOUT });
    const note = `Nota: avvisata l'azienda dei rifiuti (${run})`;
    await page.keyboard.type(note);
    await page.keyboard.press('Control+Enter');
    await page.getByRole('region', { name: 'Conversazione' }).getByText(note).waitFor({ timeout: TIMEOUT });
    await said('Nota aggiunta');
    assert.equal((await focused()).id, 'reply-text');
  }));

  it('Assegna, the status\'s Salva and a tag\'s × keep the focus on the control and say what they did', () => step('panel', async () => {
    // Assegna, with the keyboard: choose a colleague in the select, then the button.
    await tabTo(() => document.activeElement.id === 'set-assignee');
    await page.keyboard.press('End'); // the last colleague offered
    const who = await page.locator('#set-assignee option:checked').innerText();
    await page.keyboard.press('Tab');
    assert.equal((await focused()).text, 'Assegna');
    await page.keyboard.press('Enter');
    await page.locator('#conv-assignee', { hasText: who }).waitFor({ timeout: TIMEOUT });
    await said(`Assegnata a ${who}`);
    let f = await focused();
    assert.equal(f.tag, 'BUTTON', `the focus is on ${f.tag} after Assegna`);
    assert.match(f.action, /\/assign$/);
    assert.equal(f.inDetails, true);
    await assertAccessible(page, 'a conversation assigned with the keyboard');

    // The status: Risolta (the last offered), then Salva. It comes
    // before Assegna in the panel: Shift+Tab back to it.
    await tabTo(() => document.activeElement.id === 'set-status', null, true);
    await page.keyboard.press('End');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await said('Stato: risolta');
    f = await focused();
    assert.match(f.action || '', /\/status$/, `the focus is on ${f.tag} ${f.text} after Salva`);
    assert.equal(f.tag, 'BUTTON');
    // Back to open for the rest.
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Home');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await said('Stato: aperta');
    assert.match((await focused()).action || '', /\/status$/);

    // Two tags, then one's ×: the focus goes to the × next to it (the
    // next, or the one before when it was the last).
    for (const tag of [`uno-${run}`, `due-${run}`]) {
      await tabTo(() => document.activeElement.id === 'add-tag');
      await page.keyboard.type(tag);
      await page.keyboard.press('Enter');
      await page.locator('#conversation-details .tag-list').getByText(tag).waitFor({ timeout: TIMEOUT });
      await said('Etichetta aggiunta');
      assert.equal((await focused()).id, 'add-tag', 'the focus left the tag field');
    }
    for (const tag of [`uno-${run}`, `due-${run}`]) {
      const xs = await page.locator('#conversation-details .tag-list button').evaluateAll((els) => els.map((b) => b.getAttribute('aria-label')));
      const at = xs.indexOf(`Togli l'etichetta ${tag}`);
      const next = xs[at + 1] || xs[at - 1];
      await tabTo((name) => document.activeElement.getAttribute('aria-label') === name, `Togli l'etichetta ${tag}`, true);
      await page.keyboard.press('Enter');
      await page.locator('#conversation-details .tag-list').getByText(tag).waitFor({ state: 'detached', timeout: TIMEOUT });
      await said('Etichetta tolta');
      f = await focused();
      assert.equal(f.text, next, `the focus is on ${f.tag} ${f.text} after the × of ${tag}`);
      assert.equal(f.inDetails, true);
    }
    await assertAccessible(page, 'a conversation after a tag removed with the keyboard');
  }));

  it('a form redrawn a moment ago, not yet set up by htmx, is sent in place by a key', () => step('fresh form', async () => {
    // What a live redraw leaves for the instant before htmx sets it up: a
    // copy of the form, without htmx's own state, with the focus on it.
    await page.evaluate((m) => { window.freshMarker = m; }, run);
    await page.locator('form:has(#add-tag)').evaluate((f) => {
      const copy = f.cloneNode(true);
      f.replaceWith(copy);
      copy.querySelector('#add-tag').focus();
    });
    await page.keyboard.type(`fresco-${run}`);
    await page.keyboard.press('Enter');
    await said('Etichetta aggiunta');
    await page.locator('#conversation-details .tag-list').getByText(`fresco-${run}`).waitFor({ timeout: TIMEOUT });
    assert.equal(await page.evaluate(() => window.freshMarker || null), run, 'the form was posted as a page');
    assert.equal((await focused()).id, 'add-tag');
  }));

  it('a live redraw of the list keeps the focused row, and a and e act on the open conversation', () => step('live', async () => {
    const open = new URL(page.url()).pathname.split('/').pop();
    // From the panel, j goes to the row after the open one, k to the one
    // before (the open one, answered, may now be the last).
    const ids = await rowIDs();
    await tabTo(() => document.activeElement.tagName === 'BUTTON'); // out of the tag field
    await page.keyboard.press(ids.indexOf(open) === ids.length - 1 ? 'k' : 'j');
    const row = (await focused()).conversation;
    assert.ok(row && row !== open, JSON.stringify(await focused()));
    // A citizen writes: the list is redrawn with a new row at the top.
    await send('nuovo', 'Il cassonetto di via Manzoni è rotto', 0);
    await page.locator('#conversation-list .conv-contact').getByText(`Cittadino nuovo ${run}`, { exact: true }).waitFor({ timeout: TIMEOUT });
    await said('Elenco dei messaggi aggiornato');
    let f = await focused();
    assert.equal(f.conversation, row, `the live redraw moved the focus to ${f.tag} ${f.text}`);
    assert.equal(f.inList, true);
    await assertAccessible(page, 'the list redrawn live with the focus on a row');

    // a: assigned to me, from the list; the focus stays on the row.
    await page.keyboard.press('a');
    const whom = await said('Assegnata a ');
    await page.locator('#conv-assignee', { hasText: whom.replace('Assegnata a ', '') }).waitFor({ timeout: TIMEOUT });
    assert.equal((await focused()).conversation, row, 'a moved the focus');
    // e: resolved; the open conversation leaves the list of open ones.
    await page.keyboard.press('e');
    await said('Stato: risolta');
    await page.locator('#conv-status', { hasText: 'Risolta' }).waitFor({ timeout: TIMEOUT });
    assert.equal((await focused()).conversation, row, 'e moved the focus');
  }));

  it('on a conversation\'s own page (a narrower screen) r, a and e work too', () => step('page', async () => {
    const narrow = await (await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 1024, height: 800 } })).newPage();
    await narrow.addInitScript(recordLiveRegion);
    const prev = page;
    page = narrow;
    try {
      await login(page, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
      await page.goto(srv.base + '/inbox?view=all');
      await page.keyboard.press('j');
      const id = (await focused()).conversation;
      await page.keyboard.press('Enter');
      await page.waitForURL((u) => u.pathname === `/conversations/${id}`, { timeout: TIMEOUT });
      await page.getByRole('link', { name: /Torna ai messaggi/ }).waitFor({ timeout: TIMEOUT });
      await page.waitForFunction(() => document.body.dataset.live === 'on', null, { timeout: TIMEOUT });
      await page.keyboard.press('a');
      await said('Assegnata a ');
      assert.equal((await focused()).tag, 'BODY', 'a moved the focus');
      await page.keyboard.press('e');
      await said('Stato: risolta');
      await page.locator('#conv-status', { hasText: 'Risolta' }).waitFor({ timeout: TIMEOUT });
      await page.keyboard.press('r');
      assert.equal((await focused()).id, 'reply-text');
      await assertAccessible(page, 'a conversation page resolved with the keyboard');
    } finally {
      page = prev;
      await narrow.close();
    }
  }));
});
