// Shared pieces of the browser tests: a Redazione server built and started
// on a free port with its demo data, a headless Chromium, and axe-core.
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const artifacts = path.join(root, 'e2e', 'artifacts');
const axePath = path.join(root, 'node_modules', 'axe-core', 'axe.min.js');
export const TIMEOUT = 10_000;

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// startServer builds Redazione and runs it with demo data on SQLite.
export async function startServer({ adminEmail, adminPassword, env = {} }) {
  const tmp = await mkdtemp(path.join(tmpdir(), 'redazione-e2e-'));
  const bin = path.join(tmp, 'redazione');
  await promisify(execFile)('go', ['build', '-o', bin, './cmd/redazione'], { cwd: root, maxBuffer: 16 << 20 });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const proc = spawn(bin, ['serve'], {
    cwd: tmp,
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REDAZIONE_'))),
      REDAZIONE_ADDR: `127.0.0.1:${port}`,
      REDAZIONE_DATA_DIR: path.join(tmp, 'data'),
      REDAZIONE_ADMIN_EMAIL: adminEmail,
      REDAZIONE_ADMIN_PASSWORD: adminPassword,
      REDAZIONE_DEMO: 'true',
      REDAZIONE_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const srv = { base, proc, log: '' };
  const keep = (b) => { srv.log += b.toString(); };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  const deadline = Date.now() + 30_000;
  let last;
  for (;;) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`server not healthy at ${base} (${last}); log:\n${srv.log}`);
    try {
      const r = await fetch(base + '/healthz');
      if (r.status === 200) break;
      last = `status ${r.status}`;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // cli runs a command of the same binary on the server's data (e.g.
  // `channel add api`) and returns what it printed.
  srv.cli = async (args) => (await promisify(execFile)(bin, args, {
    cwd: tmp,
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REDAZIONE_'))), REDAZIONE_DATA_DIR: path.join(tmp, 'data') },
  })).stdout;
  srv.stop = async () => {
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
    await rm(tmp, { recursive: true, force: true });
  };
  return srv;
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function shot(page, name) {
  if (!page || page.isClosed()) return;
  await mkdir(artifacts, { recursive: true });
  const file = path.join(artifacts, name.replace(/[^a-z0-9]+/gi, '-').toLowerCase().slice(0, 80) + '.png');
  await page.screenshot({ path: file, fullPage: true }).catch(() => {});
  console.error(`screenshot: ${path.relative(root, file)} (${page.url()})`);
}

// axeViolations runs axe-core (WCAG 2.0/2.1 A and AA) on the page as it is.
export async function axeViolations(page) {
  if (!await page.evaluate(() => typeof window.axe === 'object')) await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  return result.violations;
}

export function formatViolations(violations) {
  const lines = [];
  for (const v of violations) {
    lines.push(`- [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})`);
    for (const n of v.nodes) {
      lines.push(`    target: ${n.target.join(' ')}`);
      lines.push(`      html: ${n.html.slice(0, 200)}`);
      if (n.failureSummary) lines.push(`      ${n.failureSummary.replace(/\n/g, '\n      ')}`);
    }
  }
  return lines.join('\n');
}

export async function assertAccessible(page, label) {
  const v = await axeViolations(page);
  if (v.length) await shot(page, 'a11y-' + label);
  assert.equal(v.length, 0, `${label}: axe violations\n${formatViolations(v)}`);
}

export async function login(page, base, email, password) {
  await page.goto(base + '/login');
  await page.getByLabel('Indirizzo e-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Accedi' }).click();
  await page.waitForURL((u) => u.pathname === '/inbox', { timeout: TIMEOUT });
}
