// Browser tests of Redazione as a citizen and an operator notice it:
// the web chat widget on the demo page, the operators' live inbox, replies,
// internal notes, and accessibility (axe-core, WCAG 2.1 A/AA).
//
// Run with `npm run test:e2e` (or `node --test e2e/`) from the repository
// root. Needs Go (the server is built into a temporary directory) and a
// Chromium: CHROMIUM_PATH, default /usr/bin/chromium. Screenshots of failed
// tests go to e2e/artifacts/.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHTTPServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { freePort, shot, formatViolations } from './harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const axePath = path.join(root, 'node_modules', 'axe-core', 'axe.min.js');

const ADMIN_EMAIL = 'admin@example.it';
const ADMIN_PASSWORD = 'e2e-Password-per-i-test-2024';
const TIMEOUT = 10_000;

// Unique texts, so that a match can only come from this run.
const run = Date.now().toString(36);
const CITIZEN_NAME = `Maria Collaudo ${run}`;
const CITIZEN_TEXT = `Buongiorno, quando apre l'anagrafe? (${run})`;
const REPLY_TEXT = `L'anagrafe apre alle 8:30, dal lunedì al venerdì. (${run})`;
const NOTE_TEXT = `Nota riservata: verificare orari estivi (${run})`;
// A 1×1 PNG.
const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const FILE_TEXT = `Ecco la mappa dei cantieri. (${run})`;
const PHOTO_TEXT = `Il lampione di via Verdi è spento, ecco la foto. (${run})`;
const AFTER_NOTE_TEXT = `Le confermo anche il sabato mattina. (${run})`;
const REPORT_TEXT = `Buca profonda davanti al civico 10 (${run})`;
const POST_ACCOUNT = `Mastodon del Comune ${run}`;
const ACCESS_SUBJECT = `Copia degli orari estivi dell'anagrafe (${run})`;

let tmp, bin, server, serverLog = '', base, demoPath = '/demo/1';
let browser, citizenCtx, operatorCtx, citizen, operator;
let conversationURL;

async function waitHealthy(url, ms) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) break;
    try {
      const r = await fetch(url);
      if (r.status === 200) return;
      last = `status ${r.status}`;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server not healthy at ${url} (${last}); log:\n${serverLog}`);
}

// step runs a test body and, when it fails, keeps a screenshot of each page.
function step(name, fn) {
  return async (t) => {
    try {
      await fn(t);
    } catch (err) {
      await shot(citizen, name + '-citizen');
      await shot(operator, name + '-operator');
      throw err;
    }
  };
}

// Pages checked with axe-core (WCAG 2.0/2.1 A and AA). The functional tests
// scan them on the way (scanA11y); one test per page then reports its
// violations, so that an accessibility failure does not hide the others.
const A11Y_PAGES = [
  'the login page',
  'the login page with an error',
  'the inbox',
  'the inbox after a live update',
  'a conversation page',
  'a conversation page with an internal note',
  'a conversation page with the canned answers open',
  'a conversation page with a file in a reply',
  'a public comment with personal data',
  'a Facebook comment with the private reply open',
  'a hidden Facebook comment',
  'a Facebook comment edited by the citizen',
  'the office hours page',
  'the response times page with a policy',
  'the inbox filtered by due time',
  'the privacy page',
  'the guidelines page',
  'the satisfaction survey page',
  'the access request form',
  'an access request page',
  'the access register',
  'the public access register',
  'the report form',
  'a report page',
  'the reports list',
  'the reports administration with a new key',
  'the public report form',
  'a public report status page',
  'the publishing rules page',
  'the new post form',
  'a post with a warning to confirm',
  'a scheduled post in its undo window',
  'the posts page',
  'the editorial calendar',
  'the crisis page with crisis mode on',
  'the on-call page with a shift',
  'the policies administration',
  'the internal policy to acknowledge',
  'the public social media policy',
  'the training register',
  'the canned answers page',
  'the reports page',
  'the routing rules page',
  'the users page',
  'the channels page',
  'the channels page with a WhatsApp channel and its settings open',
  'the demo page (widget closed)',
  'the demo page with the privacy notice open',
  'the demo page with the chat open',
  'the demo page with the chat open after an exchange',
  'the demo page with a file from the office',
  'the demo page with a file chosen by the citizen',
  'the demo page with the chat reopened after a reload',
];
const a11y = new Map(); // label -> {url, violations} | {error}

async function scanA11y(page, label) {
  assert.ok(A11Y_PAGES.includes(label), `unknown a11y label ${label}`);
  try {
    if (!await page.evaluate(() => typeof window.axe === 'object')) await page.addScriptTag({ path: axePath });
    const result = await page.evaluate(() =>
      // eslint-disable-next-line no-undef
      axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
    a11y.set(label, { url: page.url(), violations: result.violations });
    if (result.violations.length) await shot(page, 'a11y-' + label);
  } catch (err) {
    a11y.set(label, { error: err });
  }
}

// Citizen side: the widget on the demo page.
const launcher = () => citizen.locator('button.rdz-launch');
const chatPanel = () => citizen.getByRole('dialog', { name: /Scrivici/ });
const chatLog = () => chatPanel().getByRole('log', { name: 'Messaggi della conversazione' });

async function openWidget() {
  await launcher().waitFor({ timeout: TIMEOUT });
  if (await launcher().getAttribute('aria-expanded') !== 'true') await launcher().click();
  await chatPanel().waitFor({ timeout: TIMEOUT });
}

async function login(page, email, password) {
  await page.goto(base + '/login');
  await page.getByLabel('Indirizzo e-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Accedi' }).click();
}

// chooseKind picks, in the composer, a reply or an internal note.
async function chooseKind(label) {
  await operator.locator('.composer label.form-check-label', { hasText: label }).click();
  assert.equal(await operator.getByRole('radio', { name: label }).isChecked(), true, `${label} is not selected`);
}

// The operator page is live once its event stream is open.
async function waitLive(page) {
  await page.locator('body[data-live="on"]').waitFor({ state: 'attached', timeout: TIMEOUT });
}

describe('Redazione: web chat and live inbox', { timeout: 300_000 }, () => {
  before(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'redazione-e2e-'));
    bin = path.join(tmp, 'redazione');
    await promisify(execFile)('go', ['build', '-o', bin, './cmd/redazione'], { cwd: root, maxBuffer: 16 << 20 });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawn(bin, ['serve'], {
      cwd: tmp,
      env: {
        // None of the developer's own REDAZIONE_* settings (a database URL, an ente name...).
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REDAZIONE_'))),
        REDAZIONE_ADDR: `127.0.0.1:${port}`,
        REDAZIONE_DATA_DIR: path.join(tmp, 'data'),
        REDAZIONE_ADMIN_EMAIL: ADMIN_EMAIL,
        REDAZIONE_ADMIN_PASSWORD: ADMIN_PASSWORD,
        REDAZIONE_DEMO: 'true',
        REDAZIONE_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (b) => {
      serverLog += b.toString();
      const m = /the web chat demo page is (\/demo\/\d+)/.exec(serverLog);
      if (m) demoPath = m[1];
    };
    server.stdout.on('data', keep);
    server.stderr.on('data', keep);
    await waitHealthy(base + '/healthz', 30_000);

    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    // bypassCSP lets axe-core be injected into pages whose CSP forbids inline scripts.
    const opts = { locale: 'it-IT', bypassCSP: true, viewport: { width: 1280, height: 900 } };
    citizenCtx = await browser.newContext(opts);
    operatorCtx = await browser.newContext(opts);
    citizen = await citizenCtx.newPage();
    operator = await operatorCtx.newPage();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (server.exitCode === null) server.kill('SIGKILL');
    }
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('the login page shows a clear Italian error on a wrong password', step('login wrong password', async () => {
    await operator.goto(base + '/login');
    await operator.getByRole('heading', { name: 'Accedi a Redazione' }).waitFor({ timeout: TIMEOUT });
    await scanA11y(operator, 'the login page');

    await login(operator, ADMIN_EMAIL, 'password-sbagliata-123');
    const alert = operator.getByRole('alert').filter({ hasText: 'E-mail o password non corretti.' });
    await alert.waitFor({ timeout: TIMEOUT });
    assert.match(new URL(operator.url()).pathname, /^\/login/);
    // The e-mail typed stays in the field; the password does not.
    assert.equal(await operator.getByLabel('Indirizzo e-mail').inputValue(), ADMIN_EMAIL);
    assert.equal(await operator.getByLabel('Password').inputValue(), '');
    await scanA11y(operator, 'the login page with an error');
  }));

  it('the operator signs in and sees the inbox (accessible)', step('operator inbox', async () => {
    await login(operator, ADMIN_EMAIL, ADMIN_PASSWORD);
    await operator.waitForURL((u) => u.pathname === '/inbox', { timeout: TIMEOUT });
    await operator.getByRole('heading', { level: 1, name: 'Messaggi' }).waitFor({ timeout: TIMEOUT });
    await waitLive(operator);
    // The citizen of this run has not written yet.
    assert.equal(await operator.getByText(CITIZEN_NAME).count(), 0);
    await scanA11y(operator, 'the inbox');
  }));

  it('the citizen accepts the privacy notice and writes with the keyboard', step('citizen writes', async () => {
    await citizen.goto(base + demoPath);
    await citizen.getByRole('heading', { level: 1, name: /Benvenuti/ }).waitFor({ timeout: TIMEOUT });
    await scanA11y(citizen, 'the demo page (widget closed)');

    await openWidget();
    // Privacy notice first: no message box before it is accepted.
    await chatPanel().getByRole('heading', { name: 'Informativa sulla privacy' }).waitFor({ timeout: TIMEOUT });
    await chatPanel().getByText(/Regolamento \(UE\) 2016\/679/).waitFor({ timeout: TIMEOUT });
    assert.equal(await chatPanel().getByLabel('Il tuo messaggio').count(), 0, 'the message box shows before the privacy notice is accepted');
    await scanA11y(citizen, 'the demo page with the privacy notice open');

    const accept = chatPanel().getByRole('button', { name: /Ho letto l.informativa, continua/ });
    await accept.waitFor({ timeout: TIMEOUT });
    // The accept button has the focus: the keyboard is enough.
    await citizen.waitForFunction(() => document.activeElement?.textContent?.startsWith('Ho letto'), null, { timeout: TIMEOUT });
    await citizen.keyboard.press('Enter');

    const name = chatPanel().getByLabel('Il tuo nome (facoltativo)');
    const text = chatPanel().getByLabel('Il tuo messaggio');
    await text.waitFor({ timeout: TIMEOUT });
    await chatLog().getByText(/Scrivi qui la tua domanda/).waitFor({ timeout: TIMEOUT });
    await scanA11y(citizen, 'the demo page with the chat open');

    await name.focus();
    await citizen.keyboard.type(CITIZEN_NAME);
    await text.focus();
    await citizen.keyboard.type(CITIZEN_TEXT);
    await citizen.keyboard.press('Enter');

    await chatLog().getByText(CITIZEN_TEXT).waitFor({ timeout: TIMEOUT });
    assert.equal(await text.inputValue(), '', 'the message box is emptied after sending');
    const mine = chatLog().getByRole('listitem').filter({ hasText: CITIZEN_TEXT });
    assert.match(await mine.innerText(), /^Tu/);
  }));

  it('the new conversation appears live in the inbox, and the reply reaches the widget live', step('live reply', async () => {
    // No reload: the inbox opened before the citizen wrote.
    const item = operator.locator('#conversation-list').getByRole('link', { name: new RegExp(CITIZEN_NAME) });
    await item.waitFor({ timeout: TIMEOUT });
    assert.match(await item.innerText(), new RegExp(escapeRe(CITIZEN_TEXT)));
    await scanA11y(operator, 'the inbox after a live update');

    await item.click();
    await operator.waitForURL(/\/conversations\/\d+$/, { timeout: TIMEOUT });
    conversationURL = operator.url();
    await operator.getByRole('heading', { level: 1, name: new RegExp(CITIZEN_NAME) }).waitFor({ timeout: TIMEOUT });
    const thread = operator.getByRole('region', { name: 'Conversazione' });
    await thread.getByText(CITIZEN_TEXT).waitFor({ timeout: TIMEOUT });
    await waitLive(operator);
    await scanA11y(operator, 'a conversation page');

    assert.equal(await operator.getByRole('radio', { name: 'Rispondi al cittadino' }).isChecked(), true);
    await operator.getByLabel('Testo').fill(REPLY_TEXT);
    await operator.getByRole('button', { name: 'Invia risposta' }).click();
    await thread.getByText(REPLY_TEXT).waitFor({ timeout: TIMEOUT });
    assert.equal(await operator.getByLabel('Testo').inputValue(), '', 'the composer is emptied after sending');

    // The citizen, who did not reload, sees the reply from the ente.
    const reply = chatLog().getByRole('listitem').filter({ hasText: REPLY_TEXT });
    await reply.waitFor({ timeout: TIMEOUT });
    assert.match(await reply.innerText(), /^Comune di Esempio/);
    await scanA11y(citizen, 'the demo page with the chat open after an exchange');
  }));

  it('an internal note never reaches the citizen', step('internal note', async () => {
    const thread = operator.getByRole('region', { name: 'Conversazione' });
    // Bootstrap Italia draws the radio on its label: click the label, as a user does.
    await chooseKind('Nota interna');
    await operator.getByText(/Le note non vengono mai inviate al cittadino/).waitFor({ timeout: TIMEOUT });
    await operator.getByLabel('Testo').fill(NOTE_TEXT);
    await operator.getByRole('button', { name: 'Aggiungi nota' }).click();
    await thread.getByText(NOTE_TEXT).waitFor({ timeout: TIMEOUT });
    await scanA11y(operator, 'a conversation page with an internal note');

    // A reply after the note: once it shows in the widget, the note would have too.
    await chooseKind('Rispondi al cittadino');
    await operator.getByLabel('Testo').fill(AFTER_NOTE_TEXT);
    await operator.getByRole('button', { name: 'Invia risposta' }).click();
    await thread.getByText(AFTER_NOTE_TEXT).waitFor({ timeout: TIMEOUT });
    await chatLog().getByText(AFTER_NOTE_TEXT).waitFor({ timeout: TIMEOUT });
    assert.equal(await citizen.getByText(NOTE_TEXT).count(), 0, 'the internal note shows in the citizen\'s widget');

    // Nor does the widget's API hand it out.
    const token = await citizen.evaluate((k) => localStorage.getItem(k), 'redazione-token-' + demoPath.split('/').pop());
    assert.ok(token, 'the widget keeps its token');
    const r = await fetch(`${base}/widget/v1/${demoPath.split('/').pop()}/messages?token=${encodeURIComponent(token)}`);
    assert.equal(r.status, 200);
    const { messages } = await r.json();
    const texts = messages.map((m) => m.text);
    assert.ok(texts.includes(REPLY_TEXT) && texts.includes(AFTER_NOTE_TEXT), `widget API messages: ${JSON.stringify(texts)}`);
    assert.ok(!texts.some((t) => t.includes(NOTE_TEXT)), 'the widget API returns the internal note');
  }));

  it('the operator inserts a canned answer by typing / in the composer', step('canned answer', async () => {
    const text = operator.getByLabel('Testo');
    await text.fill('');
    await text.focus();
    await operator.keyboard.type('/');
    const combo = operator.getByRole('combobox', { name: /Inserisci risposta predefinita/ });
    await combo.waitFor({ timeout: TIMEOUT });
    assert.equal(await combo.evaluate((el) => el === document.activeElement), true, '"/" does not move to the answer search');
    await operator.keyboard.type('orari');
    await operator.getByRole('option', { name: /Orari dell'URP/ }).waitFor({ timeout: TIMEOUT });
    await scanA11y(operator, 'a conversation page with the canned answers open');
    await operator.keyboard.press('Enter');
    const inserted = async () => {
      await operator.waitForFunction(() => document.getElementById('reply-text').value.length > 1, null, { timeout: TIMEOUT });
      return text.inputValue();
    };
    const value = await inserted();
    assert.match(value, /^Buongiorno .+, l'Ufficio relazioni con il pubblico di Comune di Esempio è aperto lunedì 9:00-13:00/);
    assert.ok(!value.includes('{'), `variables left unfilled: ${value}`);
    assert.equal(await text.evaluate((el) => el === document.activeElement), true, 'focus does not return to the text');
    // "/orari" and Enter typed at once, faster than the search: still the answer for what was typed.
    await text.fill('');
    await text.focus();
    await operator.keyboard.type('/orari');
    await operator.keyboard.press('Enter');
    assert.match(await inserted(), /^Buongiorno .+, l'Ufficio relazioni con il pubblico/);
    await text.fill('');
  }));

  it('the composer gives gentle tone hints and still sends', step('tone hints', async () => {
    const text = operator.getByLabel('Testo');
    const hints = operator.locator('#tone-hints');
    await text.fill('');
    await text.pressSequentially('NON DOVETE SCRIVERCI COSI, ASPETTATE LA RISPOSTA', { delay: 5 });
    await hints.getByText(/tutto in maiuscolo/).waitFor({ timeout: TIMEOUT });
    await hints.getByText(/Manca un saluto iniziale/).waitFor({ timeout: TIMEOUT });
    await text.fill('');
    await text.pressSequentially('Buongiorno, la richiamiamo entro oggi.', { delay: 5 });
    await hints.locator('li').first().waitFor({ state: 'detached', timeout: TIMEOUT });
    // Hints never block: the send button stays enabled.
    assert.equal(await operator.getByRole('button', { name: 'Invia risposta' }).isEnabled(), true);
    await text.fill('');
  }));

  it('a file attached to a reply shows in the thread and reaches the citizen as a link', step('composer file', async () => {
    const thread = operator.getByRole('region', { name: 'Conversazione' });
    const file = operator.getByLabel('Allega un file (facoltativo)');
    await chooseKind('Rispondi al cittadino');
    await operator.getByLabel('Testo').fill(FILE_TEXT);
    await file.setInputFiles({ name: 'mappa.png', mimeType: 'image/png', buffer: Buffer.from(PNG_1PX, 'base64') });
    await operator.getByRole('button', { name: 'Invia risposta' }).click();
    const img = thread.getByRole('img', { name: 'Immagine allegata alla risposta: mappa.png' });
    await img.waitFor({ timeout: TIMEOUT });
    assert.equal(await img.evaluate((el) => el.complete && el.naturalWidth), 1, 'the image is not served');
    assert.equal(await file.inputValue(), '', 'the file input is emptied after sending');
    await scanA11y(operator, 'a conversation page with a file in a reply');

    // The citizen, who did not reload, gets the file as a link of their own.
    const link = chatLog().getByRole('link', { name: 'Allegato: mappa.png' });
    await link.waitFor({ timeout: TIMEOUT });
    const r = await fetch(await link.getAttribute('href'));
    assert.equal(r.status, 200);
    assert.deepEqual(Buffer.from(await r.arrayBuffer()), Buffer.from(PNG_1PX, 'base64'));
    await scanA11y(citizen, 'the demo page with a file from the office');
  }));

  it('the citizen attaches a photo in the widget, and the operator sees it live in the thread', step('citizen file', async () => {
    const file = chatPanel().getByLabel(/Allega una foto o un PDF \(facoltativo, massimo \d+ MB\)/);
    await file.waitFor({ timeout: TIMEOUT });
    // A file that is not a photo or a PDF is refused, with the reason.
    await file.setInputFiles({ name: 'foto.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('<html><script>alert(1)</script></html>') });
    await chatPanel().getByRole('button', { name: 'Invia' }).click();
    await chatPanel().getByRole('alert').getByText(/solo foto .* e documenti PDF/).waitFor({ timeout: TIMEOUT });

    await file.setInputFiles({ name: 'lampione.png', mimeType: 'image/png', buffer: Buffer.from(PNG_1PX, 'base64') });
    await scanA11y(citizen, 'the demo page with a file chosen by the citizen');
    await chatPanel().getByLabel('Il tuo messaggio').fill(PHOTO_TEXT);
    await chatPanel().getByRole('button', { name: 'Invia' }).click();
    const mine = chatLog().getByRole('listitem').filter({ hasText: PHOTO_TEXT });
    await mine.waitFor({ timeout: TIMEOUT });
    await mine.getByRole('link', { name: 'Allegato: lampione.png' }).waitFor({ timeout: TIMEOUT });
    assert.equal(await file.inputValue(), '', 'the file input is emptied after sending');
    assert.equal(await chatPanel().getByRole('alert').innerText(), '', 'the earlier error stays shown');

    // The operator, on the conversation page, sees the photo without reloading.
    const thread = operator.getByRole('region', { name: 'Conversazione' });
    await thread.getByText(PHOTO_TEXT).waitFor({ timeout: TIMEOUT });
    const img = thread.getByRole('img', { name: /lampione\.png/ });
    await img.waitFor({ timeout: TIMEOUT });
    await operator.waitForFunction((el) => el.complete && el.naturalWidth === 1, await img.elementHandle(), { timeout: TIMEOUT });
  }));

  it('after a reload the citizen finds the conversation where they left it', step('citizen reload', async () => {
    await citizen.reload();
    await launcher().waitFor({ timeout: TIMEOUT });
    await citizen.locator('button.rdz-launch[data-has-conversation="true"]').waitFor({ timeout: TIMEOUT });
    await openWidget();
    // No privacy notice again, no name asked again.
    await chatPanel().getByLabel('Il tuo messaggio').waitFor({ timeout: TIMEOUT });
    assert.equal(await chatPanel().getByRole('button', { name: /Ho letto/ }).count(), 0);
    assert.equal(await chatPanel().getByLabel('Il tuo nome (facoltativo)').count(), 0);
    for (const t of [CITIZEN_TEXT, REPLY_TEXT, AFTER_NOTE_TEXT]) {
      await chatLog().getByText(t).waitFor({ timeout: TIMEOUT });
    }
    assert.equal(await citizen.getByText(NOTE_TEXT).count(), 0, 'the internal note shows after a reload');
    await scanA11y(citizen, 'the demo page with the chat reopened after a reload');

    // The conversation continues: a second message lands in the same conversation.
    const more = `Grazie, passerò domani. (${run})`;
    await chatPanel().getByLabel('Il tuo messaggio').focus();
    await citizen.keyboard.type(more);
    await chatPanel().getByRole('button', { name: 'Invia' }).click();
    await chatLog().getByText(more).waitFor({ timeout: TIMEOUT });
    await operator.getByRole('region', { name: 'Conversazione' }).getByText(more).waitFor({ timeout: TIMEOUT });
    assert.equal(operator.url(), conversationURL);
  }));

  it('closing and reopening the widget keeps the messages shown', step('widget reopen', async () => {
    await openWidget();
    await chatLog().getByText(CITIZEN_TEXT).waitFor({ timeout: TIMEOUT });
    await chatPanel().getByLabel('Il tuo messaggio').focus();
    await citizen.keyboard.press('Escape');
    await chatPanel().waitFor({ state: 'hidden', timeout: TIMEOUT });
    assert.equal(await launcher().getAttribute('aria-expanded'), 'false');
    // Focus goes back to the launcher.
    assert.equal(await launcher().evaluate((b) => b === document.activeElement), true);
    await citizen.keyboard.press('Enter');
    await chatPanel().waitFor({ timeout: TIMEOUT });
    for (const t of [CITIZEN_TEXT, REPLY_TEXT]) {
      await chatLog().getByText(t).waitFor({ timeout: TIMEOUT });
    }
  }));

  it('after the conversation is resolved the citizen rates the answer', step('survey', async () => {
    await operator.goto(conversationURL);
    await operator.getByLabel('Cambia stato').selectOption('resolved');
    await operator.locator('form[action$="/status"] button[type=submit]').click();
    await operator.locator('#conv-status', { hasText: 'Risolta' }).waitFor({ timeout: TIMEOUT });
    const link = chatLog().getByRole('link', { name: /\/valuta\// });
    await link.waitFor({ timeout: TIMEOUT });
    const href = await link.getAttribute('href');
    const survey = await citizenCtx.newPage();
    await survey.goto(href);
    await survey.getByRole('heading', { name: 'Come è andata?' }).waitFor({ timeout: TIMEOUT });
    await scanA11y(survey, 'the satisfaction survey page');
    // The faces are labels drawn over visually hidden radios: click a face, as a citizen does.
    await survey.locator('label.face', { hasText: 'Positiva' }).click();
    assert.equal(await survey.getByRole('radio', { name: /Positiva/ }).isChecked(), true);
    await survey.getByLabel(/Vuole dirci perché/).fill('Risposta chiara, grazie');
    await survey.getByRole('button', { name: 'Invia la valutazione' }).click();
    await survey.getByText('Grazie: la sua valutazione è registrata.').waitFor({ timeout: TIMEOUT });
    await survey.close();
  }));

  it('a request for documents becomes an access request: the citizen gets the receipt live, the public register shows no requester', step('access request', async () => {
    await operator.goto(conversationURL);
    await operator.getByRole('link', { name: 'Registra come richiesta di accesso' }).click();
    await operator.getByRole('heading', { name: 'Registra una richiesta di accesso' }).waitFor({ timeout: TIMEOUT });
    // Filled in from the conversation: the citizen's latest message and name.
    assert.ok((await operator.getByLabel('Oggetto della richiesta').inputValue()).length > 0, 'the subject is not filled in from the conversation');
    assert.equal(await operator.getByLabel('Nome e cognome').inputValue(), CITIZEN_NAME);
    await operator.getByLabel('Oggetto della richiesta').fill(ACCESS_SUBJECT);
    await operator.getByLabel('Documento o dato richiesto').fill('Orari estivi degli uffici anagrafe');
    assert.equal(await operator.getByLabel(/Invia subito al cittadino la ricevuta/).isChecked(), true, 'the receipt is not offered');
    await scanA11y(operator, 'the access request form');
    await operator.getByRole('button', { name: 'Registra la richiesta' }).click();
    await operator.getByText('Ricevuta inviata al cittadino.').waitFor({ timeout: TIMEOUT });
    const heading = await operator.getByRole('heading', { name: /^Richiesta di accesso \d{4}\/\d+$/ }).textContent();
    const number = heading.replace('Richiesta di accesso ', '');
    assert.match(await operator.locator('#access-due').textContent(), /^\d{2}\/\d{2}\/\d{4}$/);
    await scanA11y(operator, 'an access request page');
    // The receipt reaches the citizen's widget live, with the number.
    await chatLog().getByText(new RegExp(`registrata con il numero ${escapeRe(number)}`)).waitFor({ timeout: TIMEOUT });
    // The register lists it; its public version has no requester.
    await operator.goto(`${base}/accessi`);
    await operator.getByRole('row', { name: new RegExp(escapeRe(ACCESS_SUBJECT)) }).waitFor({ timeout: TIMEOUT });
    await scanA11y(operator, 'the access register');
    const publicHref = await operator.getByRole('link', { name: 'Registro pubblico' }).getAttribute('href');
    const pub = await citizenCtx.newPage();
    await pub.goto(base + publicHref);
    await pub.getByRole('cell', { name: ACCESS_SUBJECT }).waitFor({ timeout: TIMEOUT });
    assert.ok(!(await pub.content()).includes(CITIZEN_NAME), 'the public register shows the requester');
    await scanA11y(pub, 'the public access register');
    await pub.close();
  }));

  it('a citizen\'s message becomes a report: the number and the closing reach the widget live', step('report', async () => {
    await operator.goto(conversationURL);
    await operator.getByRole('link', { name: 'Registra come segnalazione' }).click();
    await operator.getByRole('heading', { name: 'Registra una segnalazione' }).waitFor({ timeout: TIMEOUT });
    await operator.getByLabel('Servizio').selectOption('strade');
    await operator.getByLabel('Descrizione').fill(REPORT_TEXT);
    await operator.getByLabel('Indirizzo o luogo').fill('Via Roma 10');
    await operator.getByLabel('Latitudine (facoltativa)').fill('41.9028');
    await operator.getByLabel('Longitudine (facoltativa)').fill('12.4964');
    await scanA11y(operator, 'the report form');
    await operator.getByRole('button', { name: 'Registra la segnalazione' }).click();
    await operator.getByText('Cittadino avvisato nella conversazione.').waitFor({ timeout: TIMEOUT });
    const heading = await operator.getByRole('heading', { name: /^Segnalazione \d+: Strade e marciapiedi$/ }).textContent();
    const id = heading.match(/\d+/)[0];
    await chatLog().getByText(new RegExp(`registrata con il numero ${id}`)).waitFor({ timeout: TIMEOUT });
    await operator.getByRole('link', { name: /OpenStreetMap/ }).waitFor({ timeout: TIMEOUT });
    await scanA11y(operator, 'a report page');
    await operator.locator('label[for=status-closed]').click();
    assert.equal(await operator.getByLabel('chiusa').isChecked(), true);
    await operator.getByLabel('Note per il cittadino').fill(`Buca chiusa con asfalto a freddo (${run})`);
    await operator.getByRole('button', { name: 'Aggiorna lo stato' }).click();
    await operator.locator('#report-status', { hasText: 'chiusa' }).waitFor({ timeout: TIMEOUT });
    await chatLog().getByText(`Buca chiusa con asfalto a freddo (${run})`).waitFor({ timeout: TIMEOUT });
    await operator.goto(`${base}/segnalazioni`);
    await operator.getByRole('row', { name: new RegExp(escapeRe(REPORT_TEXT)) }).waitFor({ timeout: TIMEOUT });
    await scanA11y(operator, 'the reports list');
    await operator.goto(`${base}/admin/segnalazioni`);
    await operator.getByLabel('Chi userà la chiave').fill('App Segnala');
    await operator.getByRole('button', { name: 'Crea una chiave' }).click();
    await operator.locator('#new-key').waitFor({ timeout: TIMEOUT });
    await scanA11y(operator, 'the reports administration with a new key');
    // A citizen without an app or an account, on the public form.
    const slug = (await operator.locator('code', { hasText: '/open311/' }).textContent()).match(/\/open311\/([^/]+)\//)[1];
    const form = await citizenCtx.newPage();
    await form.goto(`${base}/segnala/${slug}`);
    await form.getByRole('heading', { name: 'Segnala un problema' }).waitFor({ timeout: TIMEOUT });
    await form.getByLabel('Servizio').selectOption('illuminazione');
    await form.getByLabel('Descrizione').fill(`Lampione spento in piazza (${run})`);
    await form.getByLabel('Indirizzo o luogo').fill('Piazza del Municipio');
    await scanA11y(form, 'the public report form');
    await form.getByRole('button', { name: 'Invia la segnalazione' }).click();
    await form.locator('#report-number').waitFor({ timeout: TIMEOUT });
    await scanA11y(form, 'a public report status page');
    await form.close();
  }));

  it('a post names its account, asks to confirm a warning, and can be taken back in the undo window', step('post', async () => {
    // An account to publish on: Mastodon, set up by the administrator.
    await operator.goto(`${base}/admin/channels`);
    await operator.getByLabel('Tipo').selectOption('mastodon');
    await operator.getByRole('button', { name: 'Mostra le impostazioni di questo tipo' }).click();
    await operator.locator('#nc-api_base_url').waitFor({ timeout: TIMEOUT });
    await operator.locator('#nc-name').fill(POST_ACCOUNT);
    await operator.locator('#nc-api_base_url').fill('http://127.0.0.1:9');
    await operator.locator('#nc-token').fill('masto-e2e-token');
    await operator.getByRole('button', { name: 'Crea' }).click();
    await operator.getByText(POST_ACCOUNT).first().waitFor({ timeout: TIMEOUT });
    await operator.goto(`${base}/admin/pubblicazioni`);
    await operator.getByRole('heading', { name: 'Regole di pubblicazione' }).waitFor({ timeout: TIMEOUT });
    await scanA11y(operator, 'the publishing rules page');
    await operator.goto(`${base}/pubblicazioni/nuova`);
    await operator.getByLabel(new RegExp(escapeRe(POST_ACCOUNT))).check();
    await operator.getByLabel('Testo', { exact: true }).fill(`Il bando è online: http://www.comune.example.it/bando (${run})`);
    await operator.getByLabel('File della nuova immagine 1', { exact: true }).setInputFiles({ name: 'bando.png', mimeType: 'image/png', buffer: Buffer.from(PNG_1PX, 'base64') });
    await operator.getByLabel(/^Testo alternativo della nuova immagine 1 /).fill('Il manifesto del bando per i contributi alle associazioni');
    await scanA11y(operator, 'the new post form');
    await operator.getByRole('button', { name: 'Verifica e invia' }).click();
    await operator.getByText(/non è sicuro \(http\)/).waitFor({ timeout: TIMEOUT });
    assert.match(await operator.locator('#post-destination').textContent(), new RegExp(escapeRe(POST_ACCOUNT)));
    await scanA11y(operator, 'a post with a warning to confirm');
    await operator.locator('label[for=post-checked]').click();
    await operator.getByRole('button', { name: 'Verifica e invia' }).click();
    await operator.locator('#post-send-at').waitFor({ timeout: TIMEOUT });
    const img = operator.getByRole('img', { name: 'Il manifesto del bando per i contributi alle associazioni' });
    await img.waitFor({ timeout: TIMEOUT });
    assert.equal(await img.evaluate((el) => el.complete && el.naturalWidth), 1, 'the post image is not served');
    await scanA11y(operator, 'a scheduled post in its undo window');
    await operator.getByRole('button', { name: 'Annulla la pubblicazione' }).click();
    await operator.locator('#post-status', { hasText: 'annullata' }).waitFor({ timeout: TIMEOUT });
    await operator.goto(`${base}/pubblicazioni`);
    await operator.getByRole('heading', { name: 'Pubblicazioni istituzionali' }).waitFor({ timeout: TIMEOUT });
    await scanA11y(operator, 'the posts page');
    await operator.getByRole('link', { name: 'Calendario editoriale' }).click();
    await operator.getByRole('table', { name: /Calendario editoriale/ }).waitFor({ timeout: TIMEOUT });
    await scanA11y(operator, 'the editorial calendar');
    await operator.goto(`${base}/pubblicazioni`);
    // Crisis mode: a holding statement, the switch, the banner on every page.
    await operator.getByRole('link', { name: 'Modalità crisi e dichiarazioni predefinite' }).click();
    await operator.getByLabel('Titolo').fill(`Allerta meteo ${run}`);
    await operator.getByLabel('Testo', { exact: true }).fill('Stiamo seguendo la situazione con la Protezione civile.');
    await operator.getByRole('button', { name: 'Aggiungi la dichiarazione' }).click();
    await operator.getByRole('heading', { name: `Allerta meteo ${run}` }).waitFor({ timeout: TIMEOUT });
    await operator.getByLabel('Che cosa sta succedendo').fill(`Esondazione del torrente (${run})`);
    await operator.getByRole('button', { name: 'Attiva la modalità crisi' }).click();
    await operator.locator('#crisis-banner').waitFor({ timeout: TIMEOUT });
    await scanA11y(operator, 'the crisis page with crisis mode on');
    await operator.goto(`${base}/inbox`);
    await operator.locator('#crisis-banner', { hasText: `Esondazione del torrente (${run})` }).waitFor({ timeout: TIMEOUT });
    await operator.goto(`${base}/reperibilita`);
    await operator.locator('#shift-from').fill('2030-01-05T08:00');
    await operator.locator('#shift-to').fill('2030-01-06T08:00');
    await operator.getByRole('button', { name: 'Aggiungi il turno' }).click();
    await operator.getByText('Modifiche salvate.').waitFor({ timeout: TIMEOUT });
    await scanA11y(operator, 'the on-call page with a shift');
    await operator.goto(`${base}/crisi`);
    await operator.getByRole('button', { name: 'Termina la modalità crisi' }).click();
    await operator.getByText('La modalità crisi non è attiva.').waitFor({ timeout: TIMEOUT });
    assert.equal(await operator.locator('#crisis-banner').count(), 0, 'the banner stays after the crisis');
  }));

  it('a public comment with a codice fiscale is flagged and the data highlighted', step('personal data', async () => {
    // An integration feeds public comments: an API channel made with the CLI.
    const { stdout } = await promisify(execFile)(bin, ['channel', 'add', 'api', '--name', 'Commenti Facebook'], {
      cwd: tmp,
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REDAZIONE_'))), REDAZIONE_DATA_DIR: path.join(tmp, 'data') },
    });
    const ch = JSON.parse(stdout);
    const body = JSON.stringify({
      external_id: `fb-${run}`, contact: { external_id: `fb-user-${run}`, name: `Commentatore ${run}` },
      text: `Vergogna! Ecco il mio codice fiscale RSSMRA85T10A562S, controllate la multa (${run})`,
      sent_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), public: true,
    });
    const sig = 'sha256=' + createHmac('sha256', ch.secret).update(body).digest('hex');
    const r = await fetch(`${base}/api/v1/channels/${ch.id}/messages`, { method: 'POST', body, headers: { 'Content-Type': 'application/json', 'X-Redazione-Signature': sig } });
    assert.equal(r.status, 202, await r.text());
    await operator.goto(`${base}/inbox?view=all`);
    const item = operator.locator('.conv-item', { hasText: `Commentatore ${run}` });
    await item.locator('.flag-badge', { hasText: 'Dati personali esposti' }).waitFor({ timeout: TIMEOUT });
    await item.getByRole('link').click();
    await operator.locator('mark.flag-mark', { hasText: 'RSSMRA85T10A562S' }).waitFor({ timeout: TIMEOUT });
    await operator.getByText(/la risposta sarà PUBBLICA/).waitFor({ timeout: TIMEOUT });
    await operator.getByRole('button', { name: 'Usa la risposta consigliata' }).click();
    assert.match(await operator.getByLabel('Testo').inputValue(), /per tutelare la sua riservatezza/);
    await scanA11y(operator, 'a public comment with personal data');
    await operator.getByLabel('Testo').fill('');
  }));

  it('a Facebook comment is answered in public, hidden, and moved to private', step('facebook comment', async () => {
    // A Graph API stand-in: it accepts every call and records its path.
    const calls = [];
    const graph = createHTTPServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        calls.push({ path: req.url, body: JSON.parse(body || '{}') });
        res.setHeader('Content-Type', 'application/json');
        res.end(req.url.endsWith('/messages') ? '{"recipient_id": "1", "message_id": "m_1"}' : '{"success": true}');
      });
    });
    await new Promise((r) => graph.listen(0, '127.0.0.1', r));
    try {
      const { stdout } = await promisify(execFile)(bin, ['channel', 'add', 'messenger', '--name', 'Pagina del Comune',
        '--set', 'token=PAGE-TOKEN', '--set', 'app_secret=APP-SECRET', '--set', 'verify_token=V', '--set', 'page_id=112233445566778',
        '--set', `api_base_url=http://127.0.0.1:${graph.address().port}`], {
        cwd: tmp,
        env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REDAZIONE_'))), REDAZIONE_DATA_DIR: path.join(tmp, 'data') },
      });
      const ch = JSON.parse(stdout);
      const body = JSON.stringify({ object: 'page', entry: [{ id: '112233445566778', time: Math.floor(Date.now() / 1000), changes: [{ field: 'feed', value: {
        from: { id: `70102030${run}`, name: `Giulia Commento ${run}` }, message: `Il ponte di via Roma riapre? (${run})`,
        post_id: '112233445566778_998877665544332', comment_id: `998877665544332_${run}`, created_time: Math.floor(Date.now() / 1000),
        item: 'comment', parent_id: '112233445566778_998877665544332', verb: 'add' } }] }] });
      const sig = 'sha256=' + createHmac('sha256', 'APP-SECRET').update(body).digest('hex');
      const r = await fetch(base + ch.webhook_url, { method: 'POST', body, headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': sig } });
      assert.equal(r.status, 200, await r.text());
      await operator.goto(`${base}/inbox?view=all`);
      await operator.locator('.conv-item', { hasText: `Giulia Commento ${run}` }).getByRole('link').click();
      await operator.getByText(/la risposta sarà PUBBLICA/).waitFor({ timeout: TIMEOUT });
      // The private answer says it is private before anything is sent.
      await operator.getByText('Rispondi in privato').click();
      await operator.getByText(/La risposta sarà PRIVATA: un messaggio diretto/).waitFor({ timeout: TIMEOUT });
      assert.ok(await operator.getByLabel('Testo del messaggio privato').isVisible());
      await scanA11y(operator, 'a Facebook comment with the private reply open');
      // Hide, with the keyboard.
      await operator.getByRole('button', { name: /^Nascondi commento/ }).first().focus();
      await operator.keyboard.press('Enter');
      await operator.getByText('Nascosto sulla piattaforma').waitFor({ timeout: TIMEOUT });
      await operator.getByRole('button', { name: /^Mostra commento/ }).waitFor({ timeout: TIMEOUT });
      // the keyboard focus stays on the comment, now on its "show" button
      await operator.waitForFunction(() => /^Mostra commento/.test(document.activeElement?.textContent || ''), null, { timeout: TIMEOUT });
      assert.deepEqual(calls.at(-1), { path: `/v21.0/998877665544332_${run}`, body: { is_hidden: true } });
      await scanA11y(operator, 'a hidden Facebook comment');
      // The citizen edits the comment: the open page shows it live, with the text it replaced.
      const edit = JSON.stringify({ object: 'page', entry: [{ id: '112233445566778', time: Math.floor(Date.now() / 1000), changes: [{ field: 'feed', value: {
        from: { id: `70102030${run}`, name: `Giulia Commento ${run}` }, message: `Il ponte di via Roma riapre prima di Natale? (${run})`,
        post_id: '112233445566778_998877665544332', comment_id: `998877665544332_${run}`, created_time: Math.floor(Date.now() / 1000),
        item: 'comment', parent_id: '112233445566778_998877665544332', verb: 'edited' } }] }] });
      const editSig = 'sha256=' + createHmac('sha256', 'APP-SECRET').update(edit).digest('hex');
      const er = await fetch(base + ch.webhook_url, { method: 'POST', body: edit, headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': editSig } });
      assert.equal(er.status, 200, await er.text());
      const thread = operator.getByRole('region', { name: 'Conversazione' });
      await thread.getByText(`Il ponte di via Roma riapre prima di Natale? (${run})`).waitFor({ timeout: TIMEOUT });
      await thread.getByText('Modificato dal cittadino').waitFor({ timeout: TIMEOUT });
      await thread.getByText('Testi precedenti (1)').click();
      await thread.getByText(`Il ponte di via Roma riapre? (${run})`).waitFor({ timeout: TIMEOUT });
      await scanA11y(operator, 'a Facebook comment edited by the citizen');
      // Moved to private: the operator lands in the private conversation.
      const publicURL = operator.url();
      const privateText = operator.getByLabel('Testo del messaggio privato');
      if (!await privateText.isVisible()) await operator.getByText('Rispondi in privato').click();
      await privateText.fill(`Le scriviamo in privato (${run})`);
      await operator.getByRole('button', { name: 'Invia in privato' }).click();
      await operator.waitForURL((u) => u.href !== publicURL && /\/conversations\/\d+$/.test(u.pathname), { timeout: TIMEOUT });
      await operator.getByText(/La risposta sarà PRIVATA, inviata solo al cittadino/).waitFor({ timeout: TIMEOUT });
      await operator.getByText('Risposta privata a un commento pubblico').waitFor({ timeout: TIMEOUT });
    } finally {
      graph.close();
    }
  }));

  it('an administrator sets the office hours and a response-time target', step('response times', async () => {
    await operator.goto(`${base}/admin/calendar`);
    await operator.getByRole('heading', { name: 'Orari e festività' }).waitFor({ timeout: TIMEOUT });
    await operator.getByLabel('Santo patrono (GG/MM)').fill('29/06');
    await operator.getByRole('button', { name: 'Salva' }).click();
    await operator.getByText('Modifiche salvate.').waitFor({ timeout: TIMEOUT });
    await operator.getByText('Santo patrono', { exact: false }).first().waitFor({ timeout: TIMEOUT });
    await scanA11y(operator, 'the office hours page');
    await operator.goto(`${base}/admin/sla`);
    await operator.getByLabel('Nome').fill('Prima risposta in giornata');
    await operator.getByLabel('Prima risposta (ore lavorative)').fill('4');
    await operator.getByLabel('Risoluzione (ore lavorative)').fill('16');
    await operator.getByRole('button', { name: 'Crea' }).click();
    await operator.getByRole('cell', { name: 'Prima risposta in giornata', exact: true }).waitFor({ timeout: TIMEOUT });
    await scanA11y(operator, 'the response times page with a policy');
    await operator.goto(`${base}/inbox?view=all&sort=due`);
    await operator.getByLabel('Ordina per').waitFor({ timeout: TIMEOUT });
    await scanA11y(operator, 'the inbox filtered by due time');
    await operator.goto(`${base}/admin/privacy`);
    await operator.getByLabel(/Mesi di conservazione/).fill('24');
    await operator.getByRole('button', { name: 'Salva' }).click();
    await operator.getByText('Modifiche salvate.').waitFor({ timeout: TIMEOUT });
    assert.equal(await operator.getByLabel(/Mesi di conservazione/).inputValue(), '24');
    await scanA11y(operator, 'the privacy page');
    await operator.goto(`${base}/playbooks`);
    await operator.getByRole('heading', { name: 'Linee guida per le situazioni delicate' }).waitFor({ timeout: TIMEOUT });
    await scanA11y(operator, 'the guidelines page');
    await operator.goto(`${base}/answers`);
    await operator.getByRole('heading', { name: 'Orari dell\'URP' }).waitFor({ timeout: TIMEOUT });
    await scanA11y(operator, 'the canned answers page');
    await operator.goto(`${base}/reports?days=30`);
    await operator.getByRole('heading', { name: 'Rapporti: tempi e soddisfazione' }).waitFor({ timeout: TIMEOUT });
    await operator.getByRole('img', { name: /^Soddisfazione dei cittadini / }).waitFor({ timeout: TIMEOUT });
    await scanA11y(operator, 'the reports page');
    await operator.goto(`${base}/admin/rules`);
    await operator.getByLabel('Nome').fill('Fuori orario');
    await operator.getByLabel(/Risposta automatica/).fill('Gli uffici riaprono con questi orari: {orari}');
    await operator.getByRole('button', { name: 'Crea' }).click();
    await operator.getByRole('heading', { name: /Fuori orario/ }).waitFor({ timeout: TIMEOUT });
    await scanA11y(operator, 'the routing rules page');
    await operator.goto(`${base}/admin/users`);
    await operator.getByRole('heading', { name: 'Utenti' }).first().waitFor({ timeout: TIMEOUT });
    await scanA11y(operator, 'the users page');
    await operator.goto(`${base}/admin/channels`);
    await operator.getByText('Ultimo messaggio ricevuto').first().waitFor({ timeout: TIMEOUT });
    await scanA11y(operator, 'the channels page');
    // a WhatsApp channel set up in the UI: the form of its kind, then its card
    await operator.getByLabel('Tipo').selectOption('whatsapp');
    await operator.getByRole('button', { name: 'Mostra le impostazioni di questo tipo' }).click();
    await operator.locator('#nc-phone_number_id').waitFor({ timeout: TIMEOUT });
    await operator.locator('#nc-name').fill('WhatsApp URP');
    await operator.locator('#nc-token').fill('EAAG-e2e-token-1234');
    await operator.locator('#nc-app_secret').fill('app-secret-e2e');
    await operator.locator('#nc-verify_token').fill('verifica-e2e');
    await operator.locator('#nc-phone_number_id').fill('106540352242922');
    await operator.getByRole('button', { name: 'Crea' }).click();
    await operator.getByText('Indirizzo del webhook da dare alla piattaforma').first().waitFor({ timeout: TIMEOUT });
    await operator.getByText('Impostazioni e credenziali').last().click();
    await operator.getByText('••••1234').waitFor({ timeout: TIMEOUT });
    assert.ok(!(await operator.content()).includes('EAAG-e2e-token-1234'), 'the token is shown back on the page');
    await scanA11y(operator, 'the channels page with a WhatsApp channel and its settings open');
  }));

  it('the policies: published with all their contents, the internal one acknowledged, the external one public', step('policies', async () => {
    await operator.goto(`${base}/admin/policy`);
    for (const area of await operator.locator('form[action="/admin/policy/external"] textarea').all()) {
      if (!(await area.inputValue())) await area.fill(`Testo di prova (${run})`);
    }
    await operator.locator('form[action="/admin/policy/external"] button[type=submit]').click();
    await operator.getByText('Policy pubblicata.').waitFor({ timeout: TIMEOUT });
    for (const area of await operator.locator('form[action="/admin/policy/internal"] textarea').all()) {
      if (!(await area.inputValue())) await area.fill(`Regola di prova (${run})`);
    }
    await operator.locator('form[action="/admin/policy/internal"] button[type=submit]').click();
    await operator.locator('#policy-banner').waitFor({ timeout: TIMEOUT });
    await scanA11y(operator, 'the policies administration');
    await operator.getByRole('link', { name: 'Leggi la policy' }).click();
    await scanA11y(operator, 'the internal policy to acknowledge');
    await operator.getByRole('button', { name: 'Ho letto e accetto la policy interna' }).click();
    await operator.getByText('Grazie: la conferma è registrata.').waitFor({ timeout: TIMEOUT });
    assert.equal(await operator.locator('#policy-banner').count(), 0, 'the banner stays after the acknowledgement');
    const pub = await citizenCtx.newPage();
    await pub.goto(base + await operator.locator('a[href^="/social-policy/"]').first().getAttribute('href'));
    await pub.getByRole('heading', { name: 'Informativa privacy tra ente e cittadino' }).waitFor({ timeout: TIMEOUT });
    await scanA11y(pub, 'the public social media policy');
    await pub.close();
    await operator.goto(`${base}/formazione`);
    await operator.getByLabel('Corso').fill(`Comunicazione di crisi (${run})`);
    await operator.getByRole('button', { name: 'Registra il corso' }).click();
    await operator.getByRole('cell', { name: `Comunicazione di crisi (${run})` }).waitFor({ timeout: TIMEOUT });
    await scanA11y(operator, 'the training register');
  }));

  for (const label of A11Y_PAGES) {
    it(`axe finds no WCAG 2.1 A/AA violations on ${label}`, () => {
      const r = a11y.get(label);
      assert.ok(r, `${label} was not reached: see the failure of the test that should have scanned it`);
      if (r.error) throw r.error;
      assert.equal(r.violations.length, 0, `accessibility violations on ${label} (${r.url}):\n${formatViolations(r.violations)}`);
    });
  }
});

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
