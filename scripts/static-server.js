#!/usr/bin/env node
// A small static file server for dist/ (the page, the wasm module, the data), used by
// scripts/serve and the browser tests. Correct MIME types (application/wasm for the streaming
// compile), no caching surprises while developing, and the header GitHub Pages also sends
// (Access-Control-Allow-Origin: *) so the page works inside a sandboxed iframe, whose opaque
// origin loads module scripts, workers' imports and data in CORS mode.
// Every response carries the site's Content-Security-Policy (scripts/content_security_policy.js):
// the <meta> in index.html only covers the page, a worker's policy comes from its own response.
// ETag / Last-Modified and 304 answers as real static hosts give them: the service worker
// revalidates what it caches instead of downloading it twice.
//
//   node scripts/static-server.js [dir] [--port 8000]   serves dir (default dist/) on localhost
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const { HEADER_POLICY } = require('./content_security_policy.js');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.gz': 'application/gzip',
  '.txt': 'text/plain; charset=utf-8',
};

// options.policy: the Content-Security-Policy header to send (null: none, for test pages that
// stand for another site, such as a course page that embeds the lab).
function createServer(root, options = {}) {
  const policy = options.policy === undefined ? HEADER_POLICY : options.policy;
  const base = path.resolve(root);
  return http.createServer((req, res) => {
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    let file = path.join(base, pathname);
    if (file !== base && !file.startsWith(base + path.sep)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    fs.stat(file, (err, st) => {
      if (!err && st.isDirectory()) {
        file = path.join(file, 'index.html');
        st = fs.existsSync(file) ? fs.statSync(file) : null;
      }
      if (err || !st) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found');
        return;
      }
      const etag = `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
      const headers = {
        'Content-Type': MIME[path.extname(file).toLowerCase()] || 'application/octet-stream',
        'Cache-Control': 'no-cache',
        'ETag': etag,
        'Last-Modified': st.mtime.toUTCString(),
        'Access-Control-Allow-Origin': '*',
        'X-Content-Type-Options': 'nosniff',
        ...(policy ? { 'Content-Security-Policy': policy } : {}),
      };
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, headers).end();
        return;
      }
      res.writeHead(200, { ...headers, 'Content-Length': st.size });
      if (req.method === 'HEAD') { res.end(); return; }
      fs.createReadStream(file).pipe(res);
    });
  });
}

// Listens on `port` or the next free one; resolves with {server, url}. options: see createServer.
function listen(root, port = 8000, host = '127.0.0.1', options = {}) {
  return new Promise((resolve, reject) => {
    const server = createServer(root, options);
    const attempt = (p) => {
      server.once('error', (e) => {
        if ((e.code === 'EADDRINUSE' || e.code === 'EACCES') && p < port + 50) attempt(p + 1);
        else reject(e);
      });
      server.listen(p, host, () => resolve({ server, url: `http://${host === '127.0.0.1' ? '127.0.0.1' : 'localhost'}:${server.address().port}/` }));
    };
    attempt(port);
  });
}

module.exports = { createServer, listen, MIME };

if (require.main === module) {
  const args = process.argv.slice(2);
  let dir = path.join(__dirname, '..', 'dist');
  let port = Number(process.env.PORT) || 8000;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--port') port = Number(args[++i]);
    else dir = args[i];
  }
  if (!fs.existsSync(path.join(dir, 'index.html'))) {
    console.error(`static-server: ${dir}/index.html not found; run scripts/build-site first`);
    process.exit(1);
  }
  listen(dir, port, 'localhost').then(({ url }) => {
    console.log(`Forward Lab is running at ${url}  (Ctrl+C stops it)`);
  }).catch((e) => {
    console.error(`static-server: ${e.message}`);
    process.exit(1);
  });
}
