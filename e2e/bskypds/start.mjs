// Starts the reference Bluesky PDS (@atproto/dev-env) on free ports with
// temporary directories and prints one JSON line: {"pds": URL, "plc": URL,
// "appview": bool}. With DB_POSTGRES_URL set (and redis-server on the
// PATH; without it, a note on stderr), the whole network runs: PLC, PDS, the Bluesky AppView (which
// serves app.bsky.* — notifications, posts — through the PDS) and its
// companions; without it, PLC and PDS alone. It stops when its standard
// input closes (the Go test that started it ended) or on SIGTERM.
//
//   node e2e/bskypds/start.mjs            # PLC + PDS
//   DB_POSTGRES_URL=postgres://... node e2e/bskypds/start.mjs   # + AppView
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { TestNetwork, TestNetworkNoAppView } from '@atproto/dev-env';

function freePort() {
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

// redis answers PING once it listens.
async function startRedis() {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`redis-server exited ${code}`)));
    child.stdout.on('data', (d) => { if (String(d).includes('Ready to accept connections')) resolve(); });
  });
  return { host: `127.0.0.1:${port}`, child };
}

const cleanups = [];
async function stop(code = 0) {
  for (const f of cleanups.reverse()) {
    try { await f(); } catch { /* stopping anyway */ }
  }
  process.exit(code);
}
process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));
process.stdin.on('end', () => stop(0));
process.stdin.resume();

try {
  let network;
  let redis;
  if (process.env.DB_POSTGRES_URL) {
    // without redis-server the AppView cannot run: PLC and PDS only
    redis = await startRedis().catch((err) => { process.stderr.write(`bskypds: no AppView (${err.message})\n`); });
  }
  const appview = Boolean(redis);
  if (appview) {
    cleanups.push(() => redis.child.kill());
    process.env.REDIS_HOST = redis.host;
    const schema = `redazione_${Array.from({ length: 10 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('')}`;
    // The services' schemas go with the network (pg comes with the AppView).
    cleanups.push(async () => {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: process.env.DB_POSTGRES_URL });
      await client.connect();
      for (const s of ['appview', 'bsync', 'ozone']) await client.query(`DROP SCHEMA IF EXISTS ${s}_${schema} CASCADE`);
      await client.end();
    });
    network = await TestNetwork.create({ dbPostgresUrl: process.env.DB_POSTGRES_URL, dbPostgresSchema: schema });
  } else {
    network = await TestNetworkNoAppView.create({});
  }
  cleanups.push(() => network.close());
  process.stdout.write(JSON.stringify({ pds: network.pds.url, plc: network.plc.url, appview }) + '\n');
} catch (err) {
  process.stderr.write(`bskypds: ${err?.stack || err}\n`);
  await stop(1);
}
