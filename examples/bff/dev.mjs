#!/usr/bin/env node
// The BFF example against the local Keycloak-shaped provider: starts the same
// environment as `make demo` (provider 8180, stand-in Assistant 8181, demo host
// 8182; same CORTI_DEV_* variables) and this server on BFF_PORT (8183) with the
// provider's confidential client `corti-bff`, whose secret is random per run
// and handed over in BFF_CLIENT_SECRET. Run `make build` first (for dist/).
//   node examples/bff/dev.mjs          then open http://127.0.0.1:8183/
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEnv, devOptionsFromEnv } from '../../web/dev/env.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const num = (name, dflt) => (process.env[name] ? Number(process.env[name]) : dflt);
const tmp = mkdtempSync(path.join(tmpdir(), 'corti-bff-'));
const bin = path.join(tmp, 'bff');
execFileSync('go', ['build', '-o', bin, './examples/bff'], { cwd: repo, stdio: 'inherit' });

const env = await startEnv({
  ...devOptionsFromEnv(),
  staticRoots: { '/dist/': path.join(repo, 'dist'), '/': path.join(repo, 'web', 'demo') },
});
const child = spawn(bin, [
  '-issuer', env.issuer, '-client-id', env.clients.bff.id, '-dist', path.join(repo, 'dist'),
  '-listen', `127.0.0.1:${num('BFF_PORT', 8183)}`, '-assistant-base-url', env.assistantBaseURL,
], { env: { ...process.env, BFF_CLIENT_SECRET: env.clients.bff.secret }, stdio: ['pipe', 'inherit', 'inherit'] });
console.log(`provider ${env.issuer} (sign in as ${env.user.username} / ${env.user.password}); Ctrl-C to stop.`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  child.stdin.end(); // the BFF stops when its stdin closes
  await env.close();
  rmSync(tmp, { recursive: true, force: true });
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
child.on('exit', (code) => { if (!stopping) { console.error(`the BFF exited (${code})`); stop(); } });
