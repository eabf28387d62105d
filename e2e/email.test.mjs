// E-mail against real IMAP and SMTP servers (go-imap's in-memory server and
// go-smtp, run by e2e/mailserver): a citizen's HTML mail reaches the inbox;
// in the browser the operator sees it sanitised, its remote image blocked
// until asked for, answers, and the answer leaves by SMTP in the same thread.
// axe-core checks the e-mail conversation page.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { createInterface } from 'node:readline';
import { createServer as createHTTPServer } from 'node:http';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const axePath = path.join(root, 'node_modules', 'axe-core', 'axe.min.js');
const PASSWORD = 'e2e-email-password-2026';
const TIMEOUT = 15_000;

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

async function until(what, fn, ms = TIMEOUT) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function axeViolations(page) {
  if (!await page.evaluate(() => typeof window.axe === 'object')) await page.addScriptTag({ path: axePath });
  const r = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  return r.violations.map((v) => `[${v.impact}] ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('E-mail through real IMAP and SMTP servers', { timeout: 180_000 }, () => {
  let tmp, bin, mail, sent = [], imageHits = 0, images, server, base, browser, log = '';
  before(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'redazione-mail-'));
    bin = path.join(tmp, 'redazione');
    await run('go', ['build', '-o', bin, './cmd/redazione'], { cwd: root, maxBuffer: 16 << 20 });
    const mailBin = path.join(tmp, 'mailserver');
    await run('go', ['build', '-o', mailBin, './e2e/mailserver'], { cwd: root, maxBuffer: 16 << 20 });
    // The sender's server, which would learn that the mail was read.
    images = createHTTPServer((req, res) => { imageHits++; res.writeHead(204); res.end(); });
    await new Promise((r) => images.listen(0, '127.0.0.1', r));
    mail = spawn(mailBin, ['-image', `http://127.0.0.1:${images.address().port}/pixel.png`], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: mail.stdout });
    const first = await new Promise((resolve) => lines.once('line', resolve));
    const urls = JSON.parse(first);
    lines.on('line', (l) => sent.push(JSON.parse(l)));

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REDAZIONE_'))),
      REDAZIONE_DATA_DIR: path.join(tmp, 'data'), REDAZIONE_ADDR: `127.0.0.1:${port}`, REDAZIONE_LOG_LEVEL: 'warn',
    };
    const cli = async (...args) => JSON.parse((await run(bin, args, { env, cwd: tmp })).stdout.split('\n')[0]);
    await cli('ente', 'create', '--slug', 'comune', '--name', 'Comune di Prova');
    await writeFile(path.join(tmp, 'pw'), PASSWORD);
    await cli('user', 'create', '--email', 'urp@comune.example.it', '--role', 'admin', '--password-file', path.join(tmp, 'pw'));
    await cli('channel', 'add', 'email', '--name', 'URP', '--set', `imap_url=${urls.imap_url}`,
      '--set', `smtp_url=${urls.smtp_url}`, '--set', `address=URP <${urls.address}>`);
    server = spawn(bin, ['serve'], { env, cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout.on('data', (b) => { log += b; });
    server.stderr.on('data', (b) => { log += b; });
    await until('the server', async () => (await fetch(base + '/healthz').catch(() => ({ ok: false }))).ok);
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
  });
  after(async () => {
    await browser?.close();
    server?.kill();
    mail?.stdin.end();
    mail?.kill();
    images?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  async function signIn(opts) {
    const ctx = await browser.newContext({ locale: 'it-IT', viewport: { width: 1280, height: 900 }, ...opts });
    const page = await ctx.newPage();
    await page.goto(base + '/login');
    await page.getByLabel('Indirizzo e-mail').fill('urp@comune.example.it');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Accedi' }).click();
    await page.waitForURL(/\/inbox/);
    return page;
  }

  it('a citizen\'s mail is shown safely, and the answer leaves in the same thread', async () => {
    const page = await signIn({});
    // The mail arrives from the mailbox (IMAP IDLE) and shows live.
    const item = page.getByRole('link', { name: /Mario Bianchi/ }).first();
    await item.waitFor({ timeout: TIMEOUT }).catch((e) => { throw new Error(`${e.message}\n${log}`); });
    await item.click();
    await page.getByText('Certificato di residenza – richiesta').first().waitFor({ timeout: TIMEOUT });

    // The HTML is in a sandboxed frame: its text is there, its script never ran,
    // and the sender's image is not requested until the operator asks.
    const frame = page.frameLocator('iframe.mail-html');
    await frame.getByText('certificato di residenza').waitFor({ timeout: TIMEOUT });
    assert.notEqual(await page.title(), 'violato');
    assert.equal(await frame.locator('script').count(), 0, 'a script reached the page');
    assert.equal(imageHits, 0, 'the remote image was loaded without asking');

    // axe-core, injected in a context that lets it past the page's CSP (which
    // is also what blocks the image, so that check is made above, not here).
    const scan = await signIn({ bypassCSP: true });
    await scan.goto(page.url());
    await scan.frameLocator('iframe.mail-html').getByText('certificato di residenza').waitFor({ timeout: TIMEOUT });
    const violations = await axeViolations(scan);
    assert.deepEqual(violations, [], `accessibility violations on the e-mail conversation:\n${violations.join('\n')}`);
    await scan.context().close();

    const before = imageHits;
    await page.getByRole('link', { name: 'Mostra immagini remote' }).click();
    await until('the remote image, once asked for', async () => imageHits > before);

    // The answer goes out by SMTP, threaded on the citizen's mail.
    await page.getByLabel('Testo').first().fill('Buongiorno, il certificato è pronto allo sportello anagrafe.');
    await page.getByRole('button', { name: 'Invia risposta' }).click();
    const out = await until('the answer at the SMTP server', async () => sent.find((m) => m.data.includes('sportello anagrafe')));
    assert.deepEqual(out.to, ['mario.bianchi@example.it']);
    assert.match(out.data, /In-Reply-To: <e2e-citizen-1@example\.it>/);
    assert.match(out.data, /Subject: (Re: |=\?)/);
    await page.getByText('Inviato').first().waitFor({ timeout: TIMEOUT });
  });
});
