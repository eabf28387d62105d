// Browser test of working together on a conversation: typing @ in an
// internal note suggests the desk's colleagues (a listbox chosen with the
// keyboard), the note shows the colleague's name highlighted and the
// colleague is told live and finds it in Menzioni; two operators on one
// conversation see each other looking and writing; a reply sent after a
// colleague's is held back with "Invia comunque". axe-core checks each new
// state.
//
// Run with `node --test e2e/mentions.test.mjs`.

import assert from 'node:assert/strict';
import { describe, it, before, after } from 'node:test';
import { startServer, launchBrowser, login, shot, assertAccessible, TIMEOUT } from './harness.mjs';

const ADMIN_EMAIL = 'admin@example.it';
const ADMIN_PASSWORD = 'e2e-Password-per-i-test-2024';

let srv, browser, admin, sara, convURL;

describe('Redazione: mentions, presence and a held-back reply', { timeout: 180_000 }, () => {
  before(async () => {
    srv = await startServer({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD });
    const created = JSON.parse(await srv.cli(['user', 'create', '--email', 'sara.neri@example.it', '--name', 'Sara Neri', '--role', 'operator', '--desk', 'contatti']));
    browser = await launchBrowser();
    admin = await (await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 1280, height: 900 } })).newPage();
    sara = await (await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 390, height: 844 } })).newPage();
    await login(admin, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
    await login(sara, srv.base, 'sara.neri@example.it', created.password);
    // A conversation of Sara's desk, which both may open.
    convURL = srv.base + await sara.locator('a[href^="/conversations/"]').first().getAttribute('href');
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await srv?.stop();
  });

  const step = (name, fn) => async () => {
    try {
      await fn();
    } catch (err) {
      await shot(admin, name + '-admin');
      await shot(sara, name + '-sara');
      throw err;
    }
  };

  it('@ suggests colleagues, chosen with the keyboard; the colleague is told and finds it in Menzioni', step('mentions', async () => {
    await sara.goto(srv.base + '/inbox');
    await sara.waitForFunction(() => document.body.dataset.live === 'on', null, { timeout: TIMEOUT });
    await admin.goto(convURL);
    await admin.locator('label[for=kind-note]').click();
    const text = admin.locator('#reply-text');
    await text.click();
    await text.pressSequentially('Puoi verificare tu, @');
    const list = admin.getByRole('listbox', { name: 'Colleghi da menzionare' });
    await list.waitFor({ timeout: TIMEOUT });
    const options = list.getByRole('option');
    await options.filter({ hasText: 'Sara Neri' }).waitFor({ timeout: TIMEOUT });
    const names = await options.allTextContents();
    assert.ok(names.some((n) => n.includes('Giulia Bianchi')), `Giulia, of the same desk, is suggested: ${names}`);
    assert.ok(!names.some((n) => n.includes('Marco Verdi')), `Marco, of another desk, is not suggested: ${names}`);
    assert.ok(!names.some((n) => n.includes('Amministratore')), `the writer is not suggested: ${names}`);
    assert.equal(await text.getAttribute('aria-autocomplete'), 'list');
    assert.equal(await text.getAttribute('aria-activedescendant'), 'mention-opt-0');
    await admin.locator('#mention-status', { hasText: /colleghi/ }).waitFor({ state: 'attached', timeout: TIMEOUT });
    await assertAccessible(admin, 'the note with @ suggestions open');
    await text.press('ArrowDown');
    assert.equal(await text.getAttribute('aria-activedescendant'), 'mention-opt-1');
    assert.equal(await admin.locator('#mention-opt-1').getAttribute('aria-selected'), 'true');
    await text.press('Escape');
    await list.waitFor({ state: 'hidden', timeout: TIMEOUT });
    await text.pressSequentially('sa');
    await options.filter({ hasText: 'Sara Neri' }).waitFor({ timeout: TIMEOUT });
    assert.equal(await options.count(), 1);
    await text.press('Enter');
    await list.waitFor({ state: 'hidden', timeout: TIMEOUT });
    assert.equal(await text.inputValue(), 'Puoi verificare tu, @sara.neri ');
    await text.pressSequentially('grazie!');
    await admin.getByRole('button', { name: 'Aggiungi nota' }).click();
    const mark = admin.locator('#thread mark.mention', { hasText: '@Sara Neri' });
    await mark.waitFor({ timeout: TIMEOUT });
    assert.equal(await mark.getAttribute('title'), '@sara.neri');
    await assertAccessible(admin, 'the thread with a note mentioning a colleague');

    // Sara's open inbox is told at once, then Menzioni lists the note.
    await sara.locator('#live-status', { hasText: 'Nuova notifica' }).waitFor({ state: 'attached', timeout: TIMEOUT });
    // On a phone the main menu is folded behind its Menu button.
    await sara.locator('#menu-toggle').click();
    await sara.getByRole('link', { name: 'Menzioni' }).click();
    await sara.getByRole('heading', { name: 'Menzioni' }).waitFor({ timeout: TIMEOUT });
    const item = sara.locator('.mention-item').first();
    await item.getByText('Non letta').waitFor({ timeout: TIMEOUT });
    await item.getByText('Puoi verificare tu, @sara.neri grazie!').waitFor({ timeout: TIMEOUT });
    await assertAccessible(sara, 'Menzioni with an unread mention, at 390 px');
    assert.ok(await sara.evaluate(() => document.documentElement.scrollWidth <= 390), 'Menzioni scrolls sideways at 390 px');
    await item.getByRole('link', { name: /Amministratore ti ha menzionato/ }).click();
    await sara.locator('#thread mark.mention', { hasText: '@Sara Neri' }).waitFor({ timeout: TIMEOUT });
    await sara.goto(srv.base + '/menzioni');
    await sara.locator('.mention-item').first().waitFor({ timeout: TIMEOUT });
    assert.equal(await sara.getByText('Non letta').count(), 0, 'the mention is read once the conversation was opened');
    await sara.goto(srv.base + '/notifications');
    await sara.getByText('Amministratore ti ha menzionato in una nota').first().waitFor({ timeout: TIMEOUT });
  }));

  it('two operators on one conversation see each other looking and writing', step('presence', async () => {
    await admin.goto(convURL);
    await admin.waitForFunction(() => document.body.dataset.live === 'on', null, { timeout: TIMEOUT });
    await sara.goto(convURL);
    const saraSees = sara.getByRole('status').filter({ hasText: 'Amministratore sta guardando' });
    const adminSees = admin.getByRole('status').filter({ hasText: 'Sara Neri sta guardando' });
    await saraSees.waitFor({ timeout: TIMEOUT });
    await adminSees.waitFor({ timeout: TIMEOUT });
    await sara.locator('#reply-text').pressSequentially('Buongiorno,');
    await admin.getByRole('status').filter({ hasText: 'Sara Neri sta scrivendo una risposta…' }).waitFor({ timeout: TIMEOUT });
    await assertAccessible(admin, 'the conversation showing a colleague writing');
    await assertAccessible(sara, 'the conversation showing a colleague looking, at 390 px');
    assert.ok(await sara.evaluate(() => document.documentElement.scrollWidth <= 390), 'the conversation scrolls sideways at 390 px');
    // Sara leaves: she is no longer shown.
    await sara.goto(srv.base + '/inbox');
    await admin.locator('#presence li').waitFor({ state: 'detached', timeout: TIMEOUT });
  }));

  it('a reply written before a colleague answered is held back until "Invia comunque"', step('collision', async () => {
    await admin.goto(convURL);
    await admin.waitForFunction(() => document.body.dataset.live === 'on', null, { timeout: TIMEOUT });
    await admin.locator('label[for=kind-reply]').click();
    await admin.locator('#reply-text').fill('');
    await admin.locator('#reply-text').pressSequentially('Le rispondiamo entro oggi.');
    await sara.goto(convURL);
    await sara.locator('#reply-text').fill('Ci pensa Sara: domani mattina la richiamiamo.');
    await sara.locator('#send-button').click();
    await sara.locator('#thread', { hasText: 'domani mattina la richiamiamo' }).waitFor({ timeout: TIMEOUT });
    // the admin's thread shows it live; the reply is still held back
    await admin.locator('#thread', { hasText: 'domani mattina la richiamiamo' }).waitFor({ timeout: TIMEOUT });
    await admin.locator('#send-button').click();
    const panel = admin.locator('#reply-conflict .reply-conflict');
    await panel.waitFor({ timeout: TIMEOUT });
    await panel.getByText('domani mattina la richiamiamo').waitFor({ timeout: TIMEOUT });
    await admin.getByText(/Mentre scrivevi è arrivato un nuovo messaggio/).first().waitFor({ timeout: TIMEOUT });
    assert.equal(await admin.locator('#reply-text').inputValue(), 'Le rispondiamo entro oggi.', 'the reply is kept');
    assert.equal(await admin.locator('#thread', { hasText: 'Le rispondiamo entro oggi.' }).count(), 0, 'the reply was not sent');
    await assertAccessible(admin, 'the held-back reply with the colleague\'s answer');
    await panel.getByRole('button', { name: 'Invia comunque' }).click();
    await admin.locator('#thread', { hasText: 'Le rispondiamo entro oggi.' }).waitFor({ timeout: TIMEOUT });
    await panel.waitFor({ state: 'detached', timeout: TIMEOUT });
  }));

  it('without the page\'s script, the held-back reply is a page of its own with "Invia comunque"', step('collision-nojs', async () => {
    await admin.goto(convURL);
    await admin.locator('label[for=kind-reply]').click();
    await admin.locator('#reply-text').fill('Confermo l\'appuntamento.');
    await sara.goto(convURL);
    await sara.locator('#reply-text').fill('Appuntamento spostato a giovedì.');
    await sara.locator('#send-button').click();
    await sara.locator('#thread', { hasText: 'Appuntamento spostato a giovedì.' }).waitFor({ timeout: TIMEOUT });
    // The form as the browser posts it without scripts (submit() fires no
    // submit event, so neither htmx nor app.js takes it).
    await Promise.all([
      admin.waitForURL((u) => u.pathname.endsWith('/messages'), { timeout: TIMEOUT }),
      admin.evaluate(() => document.getElementById('reply-text').form.submit()),
    ]);
    await admin.getByRole('heading', { name: 'Nel frattempo è arrivato un nuovo messaggio' }).waitFor({ timeout: TIMEOUT });
    await admin.getByText('Appuntamento spostato a giovedì.').waitFor({ timeout: TIMEOUT });
    assert.equal(await admin.getByLabel('La tua risposta').inputValue(), 'Confermo l\'appuntamento.');
    await assertAccessible(admin, 'the held-back reply as a page');
    await admin.getByRole('button', { name: 'Invia comunque' }).click();
    await admin.waitForURL(convURL, { timeout: TIMEOUT });
    await admin.locator('#thread', { hasText: 'Confermo l\'appuntamento.' }).waitFor({ timeout: TIMEOUT });
  }));
});
