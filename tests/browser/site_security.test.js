// The static site's defences (docs/robustness.md, "The static site"): the Content-Security-Policy
// as delivered, no violation and no request to another origin while every view is used, and
// hostile input from the URL and from a weights file shown only as text. Every test page here
// records CSP violations (document and worker) and other-origin requests as problems
// (helpers.js openPage). Run after scripts/build-site.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const http = require('http');
const path = require('path');
const h = require('./helpers.js');
const { META_POLICY, HEADER_POLICY } = require('../../scripts/content_security_policy.js');

let url;
let browser;
h.serveAndLaunch(test, (site) => ({ url, browser } = site));
const { sleep } = h;

function headers(file) {
  return new Promise((resolve, reject) => {
    http.request(new URL(file, url), { method: 'HEAD' }, (res) => { res.resume(); resolve(res.headers); }).on('error', reject).end();
  });
}

test('the policy is in the page and on every response; the page has no inline script, handler or style', async () => {
  for (const file of ['', 'index.html', 'js/main.js', 'js/worker.js', 'wasm/fwdlab_core.js', 'wasm/fwdlab_core.wasm', 'sw.js',
    'data/mnist/t10k-labels-idx1-ubyte.gz']) {
    const got = await headers(file);
    assert.equal(got['content-security-policy'], HEADER_POLICY, file);
    assert.equal(got['x-frame-options'], undefined, 'framing stays allowed');
  }
  const html = fs.readFileSync(path.join(h.dist, 'index.html'), 'utf8');
  const meta = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/);
  assert.ok(meta, 'a CSP <meta>');
  assert.equal(meta[1], META_POLICY);
  assert.ok(html.indexOf(meta[0]) < html.indexOf('<script'), 'the policy comes before any script');
  assert.match(META_POLICY, /script-src 'self' 'wasm-unsafe-eval';/);
  assert.doesNotMatch(META_POLICY, /'unsafe-inline'|(?<!wasm-)unsafe-eval|frame-ancestors|\*/);
  assert.deepEqual(html.match(/<script(?![^>]*\ssrc=)[^>]*>/g), null, 'no inline <script>');
  assert.deepEqual(html.match(/\son[a-z]+\s*=/gi), null, 'no event-handler attributes');
  assert.deepEqual(html.match(/\sstyle\s*=/gi), null, 'no style attributes');
  assert.deepEqual(html.match(/javascript:/gi), null);
  // No code from strings anywhere in what the page runs (the Embind glue is linked with
  // -sDYNAMIC_EXECUTION=0), and no HTML sinks in our own modules.
  const scripts = ['js', 'wasm', 'vendor'].flatMap((d) => fs.readdirSync(path.join(h.dist, d)).filter((f) => f.endsWith('.js'))
    .map((f) => path.join(d, f))).concat(['sw.js']);
  assert.ok(scripts.includes(path.join('wasm', 'fwdlab_core.js')));
  for (const f of scripts) {
    // Comments may name what the code must not do; the code itself may not do it.
    const text = fs.readFileSync(path.join(h.dist, f), 'utf8').replace(/\/\*[\s\S]*?\*\/|(^|[^:])\/\/[^\n]*/g, '$1');
    assert.doesNotMatch(text, /new Function\s*\(|[^\w.]eval\s*\(|setTimeout\(\s*["'`]/, f);
    if (!f.startsWith('vendor')) assert.doesNotMatch(text, /\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write/, f);
  }
});

// A stroke on the drawing pad.
async function draw(page) {
  const pad = page.locator('#draw-canvas');
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.2);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + box.width / 2 + i, box.y + box.height * (0.2 + 0.06 * i));
  await page.mouse.up();
}

async function download(page, name) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name, exact: true }).click()]);
  return fs.readFileSync(await d.path());
}

test('load, training and every view: no CSP violation, no request to another origin', { timeout: 240000 }, async () => {
  const { context, page, problems, requests } = await h.openPage(browser, `${url}#rule=ff&seed=1&hidden=100,100&show=inside,draw,figures,weights`);
  try {
    await h.waitForNumbers(page, (x) => x.accuracy !== null && x.examples > 3000, 90000, 'FF training');
    // Inside views (FF: confusion, mistakes, goodness histograms, one prediction explained).
    await page.locator('#inside-title').scrollIntoViewIfNeeded();
    await page.waitForFunction(() => document.querySelectorAll('#confusion td').length === 100
      && !document.getElementById('ghist-view').hidden && document.querySelector('#explain-goodness tr'), null, { timeout: 30000 });
    const mistake = page.locator('#gallery button').first();
    if (await mistake.count()) await mistake.click();
    await page.getByRole('button', { name: 'Next digit to explain' }).click();
    // Draw a digit.
    await draw(page);
    await page.waitForFunction(() => /^\d$/.test(document.getElementById('draw-prediction').textContent), null, { timeout: 10000 });
    // Every download, and a weights round trip.
    await download(page, 'Metrics CSV');
    await download(page, 'Metrics JSON');
    await download(page, 'Download the Training loss chart as PNG');
    const weights = await download(page, 'Save weights');
    await page.setInputFiles('#load-weights', { name: 'model.fwdlab', mimeType: 'application/octet-stream', buffer: weights });
    await page.waitForFunction(() => /Loaded the weights/.test(document.getElementById('notices').textContent), null, { timeout: 10000 });
    // Share and embed.
    await page.getByRole('button', { name: 'Copy link' }).click();
    await page.getByRole('button', { name: 'Copy embed code' }).click();
    // Another rule with its figures (FG-A's cosine), then a race, then back.
    await page.locator('#rule-fga').check();
    await page.locator('details[data-panel="advanced"] summary').click();
    await page.getByLabel('Cosine to true gradient').check();
    await page.waitForFunction(() => /cosine/.test(document.getElementById('chart-figures').textContent), null, { timeout: 30000 });
    await page.getByRole('button', { name: 'Forward-Forward vs backprop' }).click();
    await page.waitForFunction(() => [...document.querySelectorAll('#race-lanes .lane')].filter((li) =>
      Number(li.querySelector('.lane-examples').textContent.replace(/,/g, '')) > 0).length === 2, null, { timeout: 60000 });
    await page.getByRole('button', { name: 'Back to a single run' }).click();
    await h.waitForNumbers(page, (x) => x.examples > 0, 30000, 'a single run again');
    // Embed mode (its "open in Forward Lab" link).
    await page.evaluate(() => { location.hash = 'rule=bp&embed=true'; });
    await page.locator('#open-full').waitFor({ state: 'visible', timeout: 30000 });
    await page.waitForFunction(() => document.body.classList.contains('embed'), null, { timeout: 10000 });
    await h.waitForNumbers(page, (x) => x.examples > 0, 30000, 'training in embed mode');
    await sleep(1000);

    const own = new URL(url).origin;
    const kinds = ['index.html', 'js/main.js', 'js/worker.js', 'wasm/fwdlab_core.js', 'wasm/fwdlab_core.wasm', 'vendor/uPlot.iife.min.js',
      'data/mnist/train-images-idx3-ubyte.gz'];
    for (const k of kinds) {
      assert.ok(requests.some((r) => r === `${own}/${k}` || (k === 'index.html' && r === `${own}/`)), `the request for ${k} was recorded`);
    }
    console.log(`# ${requests.length} requests, all to ${own} (or blob:)`);
    assert.deepEqual(requests.filter((r) => !r.startsWith(`${own}/`) && !r.startsWith('blob:')), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// The hostile corpus: markup, script URLs, quotes that end attributes, invisible and broken
// Unicode, numbers JavaScript reads oddly. Each `window.__pwned = n` would mark the page.
const CORPUS = [
  '<script>window.__pwned=1</script>', '<img src=x onerror="window.__pwned=2">', '"><svg/onload=window.__pwned=3>',
  "'-(window.__pwned=4)-'", 'javascript:window.__pwned=5', ' JaVaScRiPt:window.__pwned=6', '</textarea><script>window.__pwned=7</script>',
  '<iframe srcdoc="<script>parent.__pwned=8</script>">', '${window.__pwned=9}', '{{constructor.constructor("window.__pwned=10")()}}',
  'A'.repeat(150), '\u202Ebp', 'bp\u0000', '\u200Bbp', '\uFEFF1', 'b\u0301p', '１', '1e309', '-1e309', 'NaN', 'Infinity', '-0', '0x10',
  '1e-400', '', ' ', '1,2,3,4,5', '99999999999999999999', '0.1.2', '1_000', '0b1', '2e3', '__proto__', 'constructor',
];
// Encoded as a link would carry it; lone surrogates and NUL as raw percent-escapes.
const EXTRA_RAW = ['%ED%A0%80', '%F0%9F', '%00', '%E2%80%AE%3Cb%3E', '%%', '%3Cscript%3E'];
const enc = (s) => encodeURIComponent(s);

// Injected markup would show up as one of these, or as an attribute holding a marker.
function injectedElements() {
  const bad = document.querySelectorAll('script:not([src]), iframe, object, embed, svg, img:not([src="img/icon.svg"]), b, [srcdoc]');
  const marked = [...document.querySelectorAll('*')].filter((el) => [...el.attributes].some((a) =>
    /pwned|javascript:/i.test(a.value) || /^on/i.test(a.name)));
  return bad.length + marked.length;
}

test('hostile values for every setting, in the hash and the query, stay text and leave only valid settings', { timeout: 300000 }, async () => {
  const S = await import(new URL('../../web/js/url_state.js', `file://${__filename}`).href);
  const keys = S.SETTINGS.map((s) => s.key);
  let dialogs = 0;
  // The query carries hostile values too: the page never reads it, and never copies it into
  // the links it makes.
  const query = `?${keys.map((k) => `${k}=${enc(CORPUS[1])}`).join('&')}&x=${'Q'.repeat(2000)}`;
  const { context, page, problems } = await h.openPage(browser, `${url}${query}#rule=${enc(CORPUS[0])}`);
  page.on('dialog', (d) => { dialogs++; d.dismiss(); });
  const pageState = () => page.evaluate(async () => (await import('./js/main.js')).page.state);
  try {
    await h.waitForNumbers(page, (x) => x.examples > 0, 30000, 'training from the defaults');
    assert.deepEqual(await pageState(), S.presetState('bp'));
    const hashes = [
      ...CORPUS.map((v) => keys.map((k) => `${k}=${enc(v)}`).join('&')),
      ...EXTRA_RAW.map((v) => keys.map((k) => `${k}=${v}`).join('&')),
      ...CORPUS.slice(0, 3).map((v) => `${enc(v)}=1`),           // hostile keys
      `seed=${'9'.repeat(100000)}`,                             // 100k characters
      `lr=${enc('\u202E')}${'A'.repeat(100000)}`,
    ];
    for (const hash of hashes) {
      const expected = S.parse(`#${hash}`).state;
      // The page answers a new hash with a notice per dropped value (so the notices are cleared
      // first) and rewrites the hash from its clean state.
      await page.evaluate((h2) => {
        document.getElementById('notices').replaceChildren();
        location.hash = h2;
      }, hash);
      await page.waitForFunction((want) => location.hash === want && document.querySelector('#notices .notice'),
        `#${S.serialize(expected)}`, { timeout: 10000 });
      const check = await page.evaluate(`({ pwned: window.__pwned, injected: (${injectedElements})(),
        hash: location.hash, notices: [...document.querySelectorAll('#notices .notice span')].map((n) => n.textContent) })`);
      const what = hash.slice(0, 80);
      assert.equal(check.pwned, undefined, what);
      assert.equal(check.injected, 0, what);
      // Only what the settings table accepts (the same parse as in Node; e.g. seed=2e3 is 2000,
      // momentum=-0 is 0), and the link is rewritten from it.
      assert.deepEqual(await pageState(), expected, what);
      assert.equal(check.hash, `#${S.serialize(expected)}`, what);
      assert.doesNotMatch(check.hash, /pwned|script|javascript|onerror|onload|%3C|%3E|%22|%E2%80%AE|%00|AAAA|99999/i, what);
      assert.ok(check.notices.length >= 1, `a notice says what was dropped: ${what}`);
      // Every notice is short and shows no invisible character (markup it quotes stays text).
      for (const t of check.notices) {
        assert.ok(t.length < 400, `notice of ${t.length} characters`);
        assert.doesNotMatch(t, /[\u0000-\u001f\u202a-\u202e\u200b\ufeff]|[\ud800-\udfff]/, t);
      }
    }
    // Still usable: a valid link trains, and the links the page makes carry no query.
    await page.evaluate(() => { location.hash = 'rule=bp&seed=2'; });
    await h.waitForNumbers(page, (x) => x.examples > 0 && x.notices.length === 0, 30000, 'training after the corpus');
    await page.getByRole('button', { name: 'Copy link' }).click();
    const link = await page.locator('#share-output').inputValue();
    assert.equal(link, `${url}${new URL(page.url()).hash}`);
    await page.getByRole('button', { name: 'Copy embed code' }).click();
    const code = await page.locator('#share-output').inputValue();
    assert.doesNotMatch(code, /\?|pwned|%3C/);
    console.log(`# ${hashes.length} hostile links (${CORPUS.length + EXTRA_RAW.length} of them give a value to all ${keys.length} settings): no script ran, nothing injected`);
    assert.equal(dialogs, 0);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// A weights file in the core's format (src/core/weights_io.h) with any rule and tensor names.
// `rule` and tensor names are text or raw bytes; `count` is the tensor count the file claims.
function weightsFile({ rule = 'bp', hidden = [256, 256], tensors = [], count = tensors.length }) {
  const parts = [Buffer.from('FWDLABW\0', 'latin1')];
  const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); parts.push(b); };
  const str = (s) => { const b = Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8'); u32(b.length); parts.push(b); };
  u32(1);
  str(rule);
  u32(784);
  u32(hidden.length);
  hidden.forEach(u32);
  u32(count);
  for (const t of tensors) { str(t.name); u32(t.rows); u32(t.cols); parts.push(Buffer.alloc(4 * t.rows * t.cols)); }
  return Buffer.concat(parts);
}

test('a weights file with hostile names, or a hostile file name, is refused as text; the model is kept', { timeout: 120000 }, async () => {
  const { context, page, problems } = await h.openPage(browser, `${url}#rule=bp&seed=1`);
  let dialogs = 0;
  page.on('dialog', (d) => { dialogs++; d.dismiss(); });
  try {
    await h.waitForNumbers(page, (x) => x.examples > 0 && x.accuracy !== null, 30000, 'training');
    const cases = [
      { name: 'rule.fwdlab', bytes: weightsFile({ rule: '<img src=x onerror=window.__pwned=1>' }), quoted: '<img src=x onerror=window.__pwned=1>' },
      { name: 'rtl.fwdlab', bytes: weightsFile({ rule: '\u202Ebp<script>window.__pwned=2</script>' }), quoted: '\\u{202E}bp<script>' },
      { name: 'nul.fwdlab', bytes: weightsFile({ rule: 'bp\u0000<svg onload=window.__pwned=3>' }), quoted: 'bp' },
      // The backprop model has 6 tensors; the first one's name is checked (and quoted) first.
      { name: 'tensor.fwdlab', bytes: weightsFile({ count: 6, tensors: [{ name: '"><iframe srcdoc=x>\u200B', rows: 784, cols: 256 }] }), quoted: '"><iframe srcdoc=x>\\u{200B}' },
      { name: 'huge-name.fwdlab', bytes: weightsFile({ rule: 'x'.repeat(10000) }), quoted: '64 expected' },
      // Not UTF-8 at all (a CESU-8 lone surrogate, then 0xff 0xfe): decoded as U+FFFD.
      { name: 'broken-utf8.fwdlab', bytes: weightsFile({ rule: Buffer.from([0xed, 0xa0, 0x80, 0xff, 0xfe]) }), quoted: 'for rule \ufffd' },
      { name: `<img src=x onerror="window.__pwned=4">\u202E${'N'.repeat(100000)}.fwdlab`, bytes: Buffer.from('not weights'), quoted: '<img src=x onerror="window.__pwned=4">\\u{202E}NNN' },
      { name: 'javascript:window.__pwned=5', bytes: Buffer.alloc(0), quoted: 'javascript:window.__pwned=5' },
    ];
    for (const c of cases) {
      await page.evaluate(() => document.querySelectorAll('#notices .notice').forEach((n) => n.remove()));
      await page.setInputFiles('#load-weights', { name: c.name, mimeType: 'application/octet-stream', buffer: c.bytes });
      await page.waitForFunction(() => document.querySelector('#notices .notice.error'), null, { timeout: 10000 });
      const check = await page.evaluate(`({ pwned: window.__pwned, injected: (${injectedElements})(),
        text: document.querySelector('#notices .notice.error span').textContent })`);
      console.log(`# ${c.name.slice(0, 30)}: ${check.text.slice(0, 160)}`);
      assert.equal(check.pwned, undefined, c.name.slice(0, 40));
      assert.equal(check.injected, 0, c.name.slice(0, 40));
      assert.match(check.text, /^The weights were not loaded \(the current model is kept\): /);
      assert.ok(check.text.includes(c.quoted), `${check.text.slice(0, 200)} quotes ${c.quoted}`);
      assert.ok(check.text.length < 700, `message of ${check.text.length} characters`);
      assert.doesNotMatch(check.text, /[\u0000-\u001f\u202a-\u202e\u200b\ufeff]|[\ud800-\udfff]/);
    }
    // The model is kept and training goes on.
    const before = await h.readNumbers(page);
    await h.waitForNumbers(page, (x) => x.examples > before.examples, 20000, 'training after the refused files');
    assert.equal(dialogs, 0);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
