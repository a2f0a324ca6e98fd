// The host server's validators (`node --test web/dev/static.test.mjs`): every file carries an ETag and a
// Last-Modified, and a revalidation with either answers 304 without a body, so a reload of the dev server or the
// demo does not download the wasm again; a changed file gets a new ETag and a 200.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { staticHandler } from './static.mjs';

let dir, server, base;
before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corti-static-'));
  fs.writeFileSync(path.join(dir, 'x.wasm'), Buffer.alloc(200_000, 7));
  const serve = staticHandler({ '/dist/': dir });
  server = http.createServer(async (req, res) => {
    if (!(await serve(req, res, new URL(req.url, 'http://h').pathname))) { res.writeHead(404); res.end(); }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}/dist/x.wasm`;
});
after(async () => {
  await new Promise((r) => server.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a file has an ETag and a Last-Modified, and Cache-Control: no-cache (revalidate every time)', async () => {
  const r = await fetch(base);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('etag'), /^W\/"[0-9a-f]+-[0-9a-f]+"$/);
  assert.ok(Number.isFinite(Date.parse(r.headers.get('last-modified'))), r.headers.get('last-modified'));
  assert.equal(r.headers.get('cache-control'), 'no-cache');
  assert.equal((await r.arrayBuffer()).byteLength, 200_000);
});

test('If-None-Match with the ETag (strong or weak form, in a list, or *) answers 304 with no body', async () => {
  const etag = (await fetch(base)).headers.get('etag');
  for (const inm of [etag, etag.replace(/^W\//, ''), `"other", ${etag}`, '*']) {
    const r = await fetch(base, { headers: { 'If-None-Match': inm } });
    assert.equal(r.status, 304, inm);
    assert.equal(r.headers.get('etag'), etag);
    assert.equal((await r.arrayBuffer()).byteLength, 0);
  }
  const other = await fetch(base, { headers: { 'If-None-Match': '"nope"' } });
  assert.equal(other.status, 200);
});

test('If-Modified-Since: 304 when the file is not newer, 200 when it is; If-None-Match decides when both are sent', async () => {
  const lm = (await fetch(base)).headers.get('last-modified');
  assert.equal((await fetch(base, { headers: { 'If-Modified-Since': lm } })).status, 304);
  const before = new Date(Date.parse(lm) - 60_000).toUTCString();
  assert.equal((await fetch(base, { headers: { 'If-Modified-Since': before } })).status, 200);
  assert.equal((await fetch(base, { headers: { 'If-Modified-Since': lm, 'If-None-Match': '"nope"' } })).status, 200);
});

test('a rewritten file (as make build does) gets a new ETag, and the old one answers 200 with the new bytes', async () => {
  const old = (await fetch(base)).headers.get('etag');
  const f = path.join(dir, 'x.wasm');
  fs.writeFileSync(f, Buffer.alloc(200_001, 8));
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(f, later, later);
  const r = await fetch(base, { headers: { 'If-None-Match': old } });
  assert.equal(r.status, 200);
  assert.notEqual(r.headers.get('etag'), old);
  assert.equal((await r.arrayBuffer()).byteLength, 200_001);
});
