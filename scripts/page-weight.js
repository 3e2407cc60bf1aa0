// What a visitor downloads before the data: every file of the built site except data/ (the data
// sets) and the link-preview image, raw and gzipped (level 9, as a static host would serve them).
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

function pageWeight(siteDir) {
  let raw = 0;
  let gzip = 0;
  const files = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      const rel = path.relative(siteDir, p);
      if (entry.isDirectory()) { if (rel !== 'data') walk(p); continue; }
      if (entry.name === 'preview.png') continue;  // only fetched by link previews
      const bytes = fs.readFileSync(p);
      const gz = zlib.gzipSync(bytes, { level: 9 }).length;
      raw += bytes.length;
      gzip += gz;
      files.push({ file: rel, raw: bytes.length, gzip: gz });
    }
  };
  walk(siteDir);
  files.sort((a, b) => b.gzip - a.gzip);
  return { raw, gzip, files };
}

module.exports = { pageWeight };
