#!/usr/bin/env node
// `make demo`: starts the local environment on fixed ports and serves the demo page.
//   CORTI_DEV_PROVIDER_PORT (8180)  CORTI_DEV_ASSISTANT_PORT (8181)  CORTI_DEV_HOST_PORT (8182)
//   CORTI_DEV_TOKEN_TTL (300 s)     CORTI_DEV_REFRESH_TTL (1800 s)    CORTI_DEV_ROTATE=1 (rotate refresh tokens)
//   CORTI_DEV_TENANT (base)         CORTI_DEV_LOG=1 (request log)
//   CORTI_DEV_IDLE (0: off)         CORTI_DEV_IDLE_WARNING — idle sign-out on the demo page (seconds)
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEnv, devOptionsFromEnv } from './env.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
let dev;
try {
  dev = devOptionsFromEnv();
} catch (err) {
  console.error(err.message);
  process.exit(2);
}

let env;
try {
  env = await startEnv({
    ...dev,
    staticRoots: {
      '/dist/': path.join(repo, 'dist'),
      '/examples/': path.join(repo, 'web', 'examples'),
      '/': path.join(repo, 'web', 'demo'),
    },
  });
} catch (err) {
  console.error(`could not start the dev environment: ${err.message}`);
  if (err.code === 'EADDRINUSE') console.error('a port is in use; set CORTI_DEV_PROVIDER_PORT / CORTI_DEV_ASSISTANT_PORT / CORTI_DEV_HOST_PORT');
  process.exit(1);
}

const s = env.control.settings();
console.log(`
corti-auth local environment
  open        ${env.hostURL}/
  sign in as  ${env.user.username} / ${env.user.password}   (${env.user.name}, ${env.user.email})
  provider    ${env.issuer}   (client ${env.clients.public}; access token ${s.accessTokenTTL} s, refresh ${s.refreshTokenTTL} s, rotation ${s.rotate ? 'on' : 'off'})
  assistant   ${env.assistantBaseURL}/embedded
  dist        ${env.hostURL}/dist/  ←  ${path.join(repo, 'dist')}
Ctrl-C to stop.`);

let stopping = false;
async function stop(sig) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${sig}: stopping…`);
  const t = setTimeout(() => process.exit(1), 5000);
  t.unref();
  await env.close();
  process.exit(0);
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
