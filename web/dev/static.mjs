// Static file serving for the host server: longest-prefix roots, MIME types, no listings,
// index.html for directories, traversal refused, Cache-Control: no-cache with validators (ETag and Last-Modified;
// 304 to a matching If-None-Match or a not-older If-Modified-Since), so a reload revalidates the wasm instead of
// downloading it again.
import fs from 'node:fs/promises';
import path from 'node:path';

export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8', // .d.ts (TypeScript declarations, shown as text)
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.go': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

export function mimeFor(file) {
  return MIME[path.extname(file).toLowerCase()] || 'application/octet-stream';
}

/**
 * Returns an async (req, res, pathname) => boolean that serves a file when one of the roots matches,
 * answering 404/403 itself, and false only when no root prefix matches.
 * roots: { '/dist/': '/abs/dist', '/': '/abs/web/demo' }; headers: () => extra headers.
 */
export function staticHandler(roots, headers = () => ({})) {
  const entries = Object.entries(roots || {})
    .map(([prefix, dir]) => [prefix.endsWith('/') ? prefix : `${prefix}/`, path.resolve(dir)])
    .sort((a, b) => b[0].length - a[0].length);

  return async function serve(req, res, pathname) {
    let decoded;
    try { decoded = decodeURIComponent(pathname); } catch { send(res, 400, 'bad path', headers()); return true; }
    if (decoded.includes('\0')) { send(res, 400, 'bad path', headers()); return true; }
    const pathWithSlash = decoded.endsWith('/') ? decoded : `${decoded}/`;
    const hit = entries.find(([prefix]) => decoded.startsWith(prefix) || pathWithSlash === prefix);
    if (!hit) return false;
    const [prefix, dir] = hit;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'method not allowed', { Allow: 'GET, HEAD', ...headers() });
      return true;
    }
    const rel = decoded.startsWith(prefix) ? decoded.slice(prefix.length) : '';
    const segments = rel.split(/[\\/]/);
    if (segments.some((s) => s === '..')) { send(res, 403, 'forbidden', headers()); return true; }
    let file = path.resolve(dir, rel);
    if (file !== dir && !file.startsWith(dir + path.sep)) { send(res, 403, 'forbidden', headers()); return true; }
    let st;
    try { st = await fs.stat(file); } catch { send(res, 404, 'not found', headers()); return true; }
    if (st.isDirectory()) {
      if (!pathname.endsWith('/')) {
        res.writeHead(301, { Location: `${pathname}/`, 'Cache-Control': 'no-cache', ...headers() });
        res.end();
        return true;
      }
      file = path.join(file, 'index.html');
      try { st = await fs.stat(file); } catch { send(res, 404, 'not found', headers()); return true; }
      if (!st.isFile()) { send(res, 404, 'not found', headers()); return true; }
    } else if (!st.isFile()) {
      send(res, 404, 'not found', headers());
      return true;
    }
    const etag = etagOf(st);
    const lastModified = new Date(Math.floor(st.mtimeMs / 1000) * 1000).toUTCString();
    const validators = { ETag: etag, 'Last-Modified': lastModified };
    if (notModified(req, etag, st.mtimeMs)) {
      res.writeHead(304, { 'Cache-Control': 'no-cache', ...validators, ...headers() });
      res.end();
      return true;
    }
    const body = await fs.readFile(file);
    res.writeHead(200, {
      ...validators,
      'Content-Type': mimeFor(file),
      'Content-Length': body.length,
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      ...headers(),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}

// A weak validator from size and modification time: it changes whenever make build rewrites a file.
function etagOf(st) {
  return `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
}

// RFC 9110 §13.1: If-None-Match (weak comparison) decides when present; If-Modified-Since only without it.
function notModified(req, etag, mtimeMs) {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) {
    const opaque = (t) => t.trim().replace(/^W\//, '');
    return inm.trim() === '*' || inm.split(',').some((t) => opaque(t) === opaque(etag));
  }
  const ims = req.headers['if-modified-since'];
  if (ims === undefined) return false;
  const since = Date.parse(ims);
  return Number.isFinite(since) && Math.floor(mtimeMs / 1000) * 1000 <= since;
}

function send(res, status, text, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache', ...headers });
  res.end(text);
}
