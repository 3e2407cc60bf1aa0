// web/js/visible_text.js: outside text shown with its invisible characters escaped, lone
// surrogates replaced and its length bounded; ordinary text passes unchanged.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { pathToFileURL } = require('url');

let visibleText;
test.before(async () => {
  ({ visibleText } = await import(pathToFileURL(path.join(__dirname, '..', '..', 'web', 'js', 'visible_text.js')).href));
});

test('ordinary text, markup included, passes unchanged (it is set as text, never as HTML)', () => {
  for (const t of ['weights.fwdlab', '<img src=x onerror=alert(1)>', 'javascript:alert(1)', 'Größe 28×28 ✓', 'ف', '𝔽 emoji 🧠']) {
    assert.equal(visibleText(t), t);
  }
});

test('control and invisible format characters become escapes', () => {
  assert.equal(visibleText('a\u202Eb'), 'a\\u{202E}b');                 // right-to-left override
  assert.equal(visibleText('x\u0000y\u0007\n'), 'x\\u{0000}y\\u{0007}\\u{000A}');
  assert.equal(visibleText('\u200B\u200D\u2066\u2069\uFEFF\u061C\u0085'),
    '\\u{200B}\\u{200D}\\u{2066}\\u{2069}\\u{FEFF}\\u{061C}\\u{0085}');
  // "‮fdp.exe" cannot pass for "exe.pdf".
  assert.equal(visibleText('\u202Efdp.exe'), '\\u{202E}fdp.exe');
});

test('lone surrogates become U+FFFD; pairs are kept', () => {
  assert.equal(visibleText('a\uD800b'), 'a\uFFFDb');
  assert.equal(visibleText('a\uDC00b'), 'a\uFFFDb');
  assert.equal(visibleText('\uDC00\uD800'), '\uFFFD\uFFFD');
  assert.equal(visibleText('\uD83E\uDDE0'), '🧠');
});

test('long text is cut with an ellipsis, never inside a surrogate pair', () => {
  const long = 'A'.repeat(100000);
  assert.equal(visibleText(long, 40), `${'A'.repeat(40)}…`);
  assert.equal(visibleText(`${'A'.repeat(39)}🧠`, 40), `${'A'.repeat(39)}…`);
  assert.equal(visibleText('\u202E'.repeat(50), 40).length, 41);
  assert.equal(visibleText('short', 40), 'short');
});
