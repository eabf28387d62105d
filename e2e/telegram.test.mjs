// Telegram against the telegram-test-api emulator (npm): a citizen writes to
// the bot, the message reaches the inbox (long polling), the operator's
// reply reaches the citizen.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const TelegramServer = require('telegram-test-api');
const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOKEN = '123456:emulated-bot-token';
const PASSWORD = 'e2e-telegram-password-2026';

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

async function until(what, fn, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('Telegram bot through the telegram-test-api emulator', { timeout: 120_000 }, () => {
  let tmp, bin, emulator, server, base, env, cli, tgPort, log = '';
  before(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'redazione-tg-'));
    bin = path.join(tmp, 'redazione');
    await run('go', ['build', '-o', bin, './cmd/redazione'], { cwd: root, maxBuffer: 16 << 20 });
    tgPort = await freePort();
    emulator = new TelegramServer({ port: tgPort, host: '127.0.0.1', storeTimeout: 60 });
    await emulator.start();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REDAZIONE_'))),
      REDAZIONE_DATA_DIR: path.join(tmp, 'data'), REDAZIONE_ADDR: `127.0.0.1:${port}`, REDAZIONE_LOG_LEVEL: 'warn',
    };
    cli = async (...args) => JSON.parse((await run(bin, args, { env, cwd: tmp })).stdout.split('\n')[0]);
    await cli('ente', 'create', '--slug', 'comune', '--name', 'Comune di Prova');
    await writeFile(path.join(tmp, 'pw'), PASSWORD);
    await cli('user', 'create', '--email', 'op@comune.example.it', '--role', 'admin', '--password-file', path.join(tmp, 'pw'));
    await cli('channel', 'add', 'telegram', '--name', 'Bot del Comune', '--set', `token=${TOKEN}`,
      '--set', `api_base_url=http://127.0.0.1:${tgPort}`, '--set', 'mode=polling');
    env.TOKEN = (await cli('token', 'create', '--user', 'op@comune.example.it')).token;
    server = spawn(bin, ['serve'], { env, cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout.on('data', (b) => { log += b; });
    server.stderr.on('data', (b) => { log += b; });
    await until('the server', async () => (await fetch(base + '/healthz').catch(() => ({ ok: false }))).ok);
  });
  after(async () => {
    server?.kill();
    await emulator?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('a message to the bot reaches the inbox, and the reply reaches the citizen', async () => {
    const client = emulator.getClient(TOKEN, { userId: 4242, firstName: 'Giovanna', chatId: 4242 });
    await client.sendMessage(client.makeMessage('Buongiorno, quando apre la biblioteca comunale?'));
    const api = (p) => fetch(base + p, { headers: { Authorization: `Bearer ${env.TOKEN}` } }).then((r) => r.json());
    const conv = await until('the message in the inbox', async () => {
      const { conversations } = await api('/api/v1/conversations');
      return conversations.find((c) => c.last_message && c.last_message.text.includes('biblioteca'));
    });
    assert.equal(conv.contact.external_id, '4242');

    // The operator answers from the inbox (a signed-in session, CSRF token).
    const login = await fetch(base + '/login', {
      method: 'POST', redirect: 'manual',
      body: new URLSearchParams({ email: 'op@comune.example.it', password: PASSWORD }),
    });
    const cookie = login.headers.get('set-cookie').split(';')[0];
    const page = await (await fetch(`${base}/conversations/${conv.id}`, { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)[1];
    const reply = 'Buongiorno Giovanna, la biblioteca apre alle 9.';
    const r = await fetch(`${base}/conversations/${conv.id}/messages`, {
      method: 'POST', headers: { cookie }, redirect: 'manual',
      body: new URLSearchParams({ csrf, kind: 'reply', text: reply }),
    });
    assert.ok(r.status === 303 || r.status === 200, `reply: ${r.status}`);

    const got = await until('the reply in the citizen\'s chat', async () => {
      const updates = await client.getUpdates();
      return (updates.result || []).find((u) => u.message && u.message.text === reply);
    });
    assert.ok(got, log);
    const thread = await api(`/api/v1/conversations/${conv.id}`);
    await until('the reply marked sent', async () => {
      const t = await api(`/api/v1/conversations/${conv.id}`);
      return t.messages.some((m) => m.text === reply && m.delivery === 'sent');
    });
    assert.ok(thread.messages.length >= 2);
  });

  it('a bot added while the server runs is polled at once, not at the next sweep', async () => {
    // `channel add` in a process of its own wakes the server's pollers
    // through the job queue; the server's sweep comes only once a minute.
    const TOKEN2 = '654321:second-emulated-bot';
    await cli('channel', 'add', 'telegram', '--name', 'Secondo bot', '--set', `token=${TOKEN2}`,
      '--set', `api_base_url=http://127.0.0.1:${tgPort}`, '--set', 'mode=polling');
    const client = emulator.getClient(TOKEN2, { userId: 5151, firstName: 'Piero', chatId: 5151 });
    await client.sendMessage(client.makeMessage('Il secondo bot risponde?'));
    const api = (p) => fetch(base + p, { headers: { Authorization: `Bearer ${env.TOKEN}` } }).then((r) => r.json());
    const conv = await until('the message to the new bot in the inbox', async () => {
      const { conversations } = await api('/api/v1/conversations');
      return conversations.find((c) => c.last_message && c.last_message.text.includes('secondo bot'));
    }, 20000);
    assert.equal(conv.contact.external_id, '5151', log);
  });
});
