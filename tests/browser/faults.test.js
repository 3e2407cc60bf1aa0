// Issue 8, the page's fault handling, in the built site: broken data files (served through
// playwright's route interception), configurations the core refuses, divergence, hostile weights
// files, a worker that dies, and a tab that is frozen and comes back. docs/robustness.md ("The
// page") lists each case and what the visitor sees. Run after scripts/build-site.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const h = require('./helpers.js');

let url;
let browser;
h.serveAndLaunch(test, (site) => ({ url, browser } = site));
const { sleep } = h;

const dataFile = (name) => fs.readFileSync(path.join(h.dist, 'data', 'mnist', name));

async function waitFor(page, fn, arg, timeout, what) {
  try {
    await page.waitForFunction(fn, arg, { timeout, polling: 100 });
  } catch (e) {
    throw new Error(`timed out waiting for ${what}`);
  }
}

// The text of the first notice matching `re` (waits for it).
async function noticeMatching(page, re, timeout = 20000) {
  const n = await h.waitForNumbers(page, (x) => x.notices.some((t) => re.test(t)), timeout, `a notice matching ${re}`);
  return n.notices.find((t) => re.test(t));
}

// Every number in every chart of the page is finite or empty (null), and each chart's x grows.
async function chartsAreClean(page) {
  return page.evaluate(async () => {
    const { page: p } = await import('./js/main.js');
    const problems = [];
    const charts = { ...p.charts, ...(p.figureChart ? { figures: p.figureChart } : {}) };
    for (const [name, c] of Object.entries(charts)) {
      c.data.forEach((col, k) => col.forEach((v, i) => {
        if (v !== null && !Number.isFinite(v)) problems.push(`${name}[${k}][${i}] = ${v}`);
        if (k === 0 && i > 0 && v < col[i - 1]) problems.push(`${name} x goes back at ${i}: ${col[i - 1]} -> ${v}`);
      }));
    }
    return { problems, points: Object.fromEntries(Object.entries(charts).map(([n, c]) => [n, c.data[0].length])) };
  });
}

// --- data -----------------------------------------------------------------------------------------

// Serves `file` of MNIST through `handler` until the Retry button is pressed, then the real file.
async function brokenDataCase(file, handler, expected) {
  const { context, page, problems } = await h.openPage(browser, null);
  try {
    let broken = true;
    await context.route(`**/data/mnist/${file}`, (route) => (broken ? handler(route) : route.continue()));
    await page.goto(`${url}#rule=bp&seed=1&hidden=32`);
    const text = await noticeMatching(page, /Could not load the data/);
    console.log(`# ${file}: ${text}`);
    assert.match(text, expected);
    assert.match(text, new RegExp(file.replace(/\./g, '\\.')), 'the notice names the file');
    assert.equal((await h.readNumbers(page)).status, 'Stopped.');
    broken = false;
    await page.getByRole('button', { name: 'Retry' }).click();
    const n = await h.waitForNumbers(page, (x) => x.examples > 0 && x.accuracy !== null, 30000, 'training after Retry');
    assert.ok(!n.notices.some((t) => /Could not load/.test(t)), JSON.stringify(n.notices));
    // The failed request shows in the console as a failed resource; nothing else may.
    assert.deepEqual(problems.filter((p) => !/status of 404|ERR_|net::/.test(p)), []);
  } finally {
    await context.close();
  }
}

test('a data file missing from the host (404): the page names it, and Retry works', async () => {
  await brokenDataCase('t10k-labels-idx1-ubyte.gz', (route) => route.fulfill({ status: 404, body: 'Not found' }),
    /t10k-labels-idx1-ubyte\.gz: not found on the server \(HTTP 404\)/);
});

test('no connection to the host: the page names the file, and Retry works', async () => {
  await brokenDataCase('train-labels-idx1-ubyte.gz', (route) => route.abort('internetdisconnected'),
    /train-labels-idx1-ubyte\.gz: the download failed \(.+\); check the connection and retry/);
});

test('a gzip stream that breaks midway (a truncated download): the page names the file, and Retry works', async () => {
  const full = dataFile('t10k-images-idx3-ubyte.gz');
  await brokenDataCase('t10k-images-idx3-ubyte.gz',
    (route) => route.fulfill({ status: 200, contentType: 'application/gzip', body: full.subarray(0, Math.floor(full.length / 2)) }),
    /t10k-images-idx3-ubyte\.gz: the compressed data are cut short or damaged after [\d,]+ bytes/);
});

test('a malformed IDX file (bad magic number): the core\'s message names the data set and the file', async () => {
  const idx = zlib.gunzipSync(dataFile('t10k-labels-idx1-ubyte.gz'));
  const bad = Buffer.from(idx);
  bad.writeUInt32BE(0x00000803, 0);  // an images magic in a labels file
  await brokenDataCase('t10k-labels-idx1-ubyte.gz',
    (route) => route.fulfill({ status: 200, contentType: 'application/gzip', body: zlib.gzipSync(bad) }),
    /t10k-images-idx3-ubyte\.gz \+ t10k-labels-idx1-ubyte\.gz: mnist test labels: .*magic/i);
});

test('a truncated IDX file (whole gzip, too few bytes inside): the core says how many bytes are missing', async () => {
  const idx = zlib.gunzipSync(dataFile('t10k-images-idx3-ubyte.gz'));
  await brokenDataCase('t10k-images-idx3-ubyte.gz',
    (route) => route.fulfill({ status: 200, contentType: 'application/gzip', body: zlib.gzipSync(idx.subarray(0, 5000)) }),
    /t10k-images-idx3-ubyte\.gz \+ t10k-labels-idx1-ubyte\.gz: mnist test images: .*(truncated|short|expected)/i);
});

// --- configuration ------------------------------------------------------------------------------

test('settings the core refuses, from the link and from the controls: the C++ message arrives unchanged', async () => {
  const { loadModule } = require('../js/wasm_module.js');
  const Module = await loadModule();
  const S = await import(require('url').pathToFileURL(path.join(h.root, 'web', 'js', 'url_state.js')).href);
  const expected = (hash) => Module.checkConfig(S.toConfig(S.parse(hash).state));
  const { context, page, problems } = await h.openPage(browser, `${url}#rule=lg-fga&hidden=100&lg_groups=8`);
  try {
    const fromLink = expected('#rule=lg-fga&hidden=100&lg_groups=8');
    assert.ok(fromLink.length > 0);
    const text = await noticeMatching(page, /The settings were refused/);
    assert.equal(text, `The settings were refused: ${fromLink}×`);
    // From the controls: 8 groups, layers 96 and 50 (each size allowed by the table).
    const field = page.getByLabel('Hidden layers', { exact: true });
    await field.fill('96,50');
    await field.press('Enter');
    const fromUi = expected('#rule=lg-fga&hidden=96,50&lg_groups=8');
    assert.match(fromUi, /layer 2 has 50/);
    await waitFor(page, (m) => [...document.querySelectorAll('#notices .notice')].some((n) => n.firstChild.firstChild.textContent === `The settings were refused: ${m}`),
      fromUi, 10000, 'the core\'s message for the controls\' settings');
    // Out of range or of the wrong type in a control: the table's reason beside it, nothing sent.
    const lr = page.getByLabel('Learning rate', { exact: true });
    for (const [value, reason] of [['100', /must be in 1e-7\.\.10/], ['fast', /not a number/], ['NaN', /not a number/], ['1e999', /not a finite number/]]) {
      await lr.fill(value);
      await lr.press('Enter');
      assert.equal(await lr.getAttribute('aria-invalid'), 'true');
      assert.match(await page.locator('.field[data-key="lr"] .field-error').textContent(), reason);
    }
    assert.doesNotMatch(new URL(page.url()).hash, /lr=(100|fast|NaN|1e999)/);
    Module.checkConfig({});  // the module stays usable
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
  // Out of range and wrong type in a link: dropped with the reason, the preset value used.
  const second = await h.openPage(browser, `${url}#rule=bp&lr=100&batch=abc&hidden=0&epochs=2.5&seed=-3`);
  try {
    const n = await h.waitForNumbers(second.page, (x) => x.notices.length >= 5, 10000, 'five notices');
    for (const [key, reason] of [['lr', 'must be in 1e-7..10; using 0.001'], ['batch', 'not a number; using 64'],
      ['hidden', 'each layer size must be in 1..2048; using 256,256'], ['epochs', 'must be a whole number; using 10'], ['seed', 'must be in 0..2147483647; using 1']]) {
      assert.ok(n.notices.some((t) => t.includes(`${key} = `) && t.includes(reason)), `${key}: ${JSON.stringify(n.notices)}`);
    }
    await h.waitForNumbers(second.page, (x) => x.examples > 0, 20000, 'training with the preset values');
    assert.deepEqual(second.problems, []);
  } finally {
    await second.context.close();
  }
});

// --- divergence ---------------------------------------------------------------------------------

// Draws a vertical stroke on the pad with the mouse.
async function drawStroke(page) {
  await page.getByRole('button', { name: 'Clear the drawing' }).click();
  const box = await page.locator('#draw-canvas').boundingBox();
  const x = box.x + box.width / 2;
  await page.mouse.move(x, box.y + box.height * 0.2);
  await page.mouse.down();
  for (let i = 1; i <= 8; i++) await page.mouse.move(x, box.y + box.height * (0.2 + 0.075 * i));
  await page.mouse.up();
}

// Draws the stroke and returns the ten scores the page shows for it.
async function drawnScores(page) {
  await drawStroke(page);
  return h.settledScores(page);
}

test('a learning rate that blows up the model: the page stops, says so, offers a rate, and no NaN is shown', async () => {
  const { context, page, problems } = await h.openPage(browser, `${url}#rule=bp&seed=1&hidden=64&lr=10`);
  try {
    const text = await noticeMatching(page, /Training diverged/);
    console.log(`# divergence: ${text}`);
    assert.match(text, /training diverged at step \d+: the loss grew from .* The learning rate 10 is too large for rule bp; try 1 and reset\./);
    assert.match(text, /Use learning rate 0\.001 and start again/);  // the preset's rate
    const n = await h.readNumbers(page);
    assert.equal(n.status, 'Stopped.');
    assert.equal(await page.getAttribute('#play', 'aria-label'), 'Play');
    // No NaN or infinity in a chart, a shown figure or the link.
    const clean = await chartsAreClean(page);
    assert.deepEqual(clean.problems, []);
    const shown = await page.evaluate(() => document.querySelector('.results').innerText);
    assert.doesNotMatch(shown, /NaN|Infinity/);
    assert.doesNotMatch(page.url(), /NaN|Infinity/);
    // The stopped model predicts nothing for a drawing, and its weights are not saved.
    await drawStroke(page);
    await waitFor(page, () => /No model/.test(document.getElementById('draw-kind').textContent), null, 5000, 'no prediction from the diverged model');
    await page.getByRole('button', { name: 'Save weights' }).click();
    assert.match(await noticeMatching(page, /weights are not saved/, 5000), /This run has stopped/);
    // Reset: a new, working model (it predicts a drawn digit with finite scores).
    await page.getByRole('button', { name: 'Reset the run' }).click();
    await page.getByRole('button', { name: 'Train one step' }).click();
    await h.waitForNumbers(page, (x) => x.examples === 64, 10000, 'one step of the new model');
    await drawStroke(page);
    await waitFor(page, () => /^\d$/.test(document.getElementById('draw-prediction').textContent), null, 5000, 'a prediction from the new model');
    const scores = await page.$$eval('#draw-scores .score-row', (rows) => rows.map((r) => Number(r.dataset.value)));
    assert.equal(scores.length, 10);
    assert.ok(scores.every(Number.isFinite), JSON.stringify(scores));
    // The offered rate trains without diverging.
    await page.getByRole('button', { name: 'Train one step' }).click();
    await page.getByRole('button', { name: 'Train one step' }).click();
    await sleep(500);
    const again = await noticeMatching(page, /Training diverged/);  // the same rate diverges again at once
    assert.ok(again);
    await page.getByRole('button', { name: /Use learning rate 0\.001/ }).click();
    const good = await h.waitForNumbers(page, (x) => x.accuracy !== null && x.accuracy > 0.8, 60000, 'training at the offered rate');
    assert.ok(!good.notices.some((t) => /diverged/.test(t)));
    assert.match(new URL(page.url()).hash, /lr=0\.001(&|$)/);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// --- weights files ------------------------------------------------------------------------------

// Every way a weights file can be bad: the core's message is shown, and the model is kept (the
// scores of a drawn digit are exactly those from before).
test('weights import: truncated, wrong magic, wrong version, other architecture, hostile sizes, NaN: message shown, model kept', async () => {
  const { context, page, problems } = await h.openPage(browser, `${url}#rule=bp&seed=3&hidden=64&epochs=1000`);
  try {
    await h.waitForNumbers(page, (x) => x.examples > 3000, 30000, 'some training');
    await page.getByRole('button', { name: 'Pause' }).click();
    await sleep(500);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save weights' }).click()]);
    const good = fs.readFileSync(await download.path());
    const before = await drawnScores(page);

    // Offsets for rule "bp", one hidden layer: magic 0, version 8, rule length 12, rule 16, inputs 18,
    // layer count 22, layer size 26, tensor count 30, first tensor's name length 34.
    const edit = (fn) => { const b = Buffer.from(good); fn(b); return b; };
    const firstNameLength = good.readUInt32LE(34);
    const rowsAt = 38 + firstNameLength;
    const cases = [
      ['truncated.fwdlab', good.subarray(0, 1000), /truncated weights file: needed \d+ more bytes for tensor values/],
      ['empty.fwdlab', Buffer.alloc(0), /truncated weights file: needed 8 more bytes for the magic number/],
      ['magic.fwdlab', edit((b) => b.write('NOTMINE!', 0, 'latin1')), /not a Forward Lab weights file \(wrong magic number/],
      ['version.fwdlab', edit((b) => b.writeUInt32LE(99, 8)), /weights file version 99 is not supported; this build reads version 1/],
      ['arch.fwdlab', edit((b) => b.writeUInt32LE(65, 26)), /the weights are for rule bp with hidden layers 65 .*but the current model is rule bp with hidden layers 64/],
      ['rule-length.fwdlab', edit((b) => b.writeUInt32LE(0xffffffff, 12)), /the rule name is 4294967295 bytes long; at most \d+ expected/],
      ['layers.fwdlab', edit((b) => b.writeUInt32LE(0xffffffff, 22)), /the file claims 4294967295 hidden layers/],
      ['rows.fwdlab', edit((b) => b.writeUInt32LE(0xffffffff, rowsAt)), /tensor 1 is .* \(4294967295x64\), the model expects/],
      ['tail.fwdlab', Buffer.concat([good, Buffer.from([1, 2, 3])]), /3 unexpected bytes after the last tensor/],
      ['nan.fwdlab', edit((b) => b.writeFloatLE(NaN, rowsAt + 8)), /holds a non-finite value/],
    ];
    for (const [name, bytes, reason] of cases) {
      await page.setInputFiles('#load-weights', { name, mimeType: 'application/octet-stream', buffer: bytes });
      const text = await noticeMatching(page, new RegExp(`not loaded .*${name.replace('.', '\\.')}`), 5000);
      assert.match(text, reason, name);
      assert.match(text, /the current model is kept/);
    }
    assert.deepEqual(await drawnScores(page), before, 'the model is unchanged');
    // The good file still loads.
    await page.setInputFiles('#load-weights', { name: 'good.fwdlab', mimeType: 'application/octet-stream', buffer: good });
    await noticeMatching(page, /Loaded the weights from good\.fwdlab/, 5000);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// --- the worker dies ----------------------------------------------------------------------------

// A page with the worker's test hooks on (and a short watchdog), training `hash`, paused once a
// weights snapshot exists.
async function pageWithHooks(hash) {
  const { context, page, problems } = await h.openPage(browser, null);
  await context.addInitScript(() => { window.__fwdlabTestHooks = true; window.__fwdlabWatchdogMs = 4000; });
  await page.goto(`${url}#${hash}`);
  const end = Date.now() + 40000;
  while (!(await page.evaluate(async () => !!(await import('./js/main.js')).page.snapshot))) {
    if (Date.now() > end) throw new Error('timed out waiting for a weights snapshot');
    await sleep(250);
  }
  return { context, page, problems };
}

const snapshotInfo = (page) => page.evaluate(async () => {
  const s = (await import('./js/main.js')).page.snapshot;
  return { examples: s.examples, wallSeconds: s.wallSeconds };
});

test('the wasm module aborts: the page says so, keeps the charts, and restarts from the last saved weights', async () => {
  // epochs=1000 keeps it training past the restart (10 epochs of this net take seconds when idle).
  const { context, page, problems } = await pageWithHooks('rule=bp&seed=4&hidden=64&epochs=1000');
  try {
    await h.waitForNumbers(page, (x) => x.accuracy !== null && x.accuracy > 0.85, 30000, 'accuracy above 85%');
    await page.evaluate(async () => (await import('./js/main.js')).page.worker.postMessage({ type: 'test-fault', kind: 'abort' }));
    const text = await noticeMatching(page, /The training stopped/);
    console.log(`# abort: ${text}`);
    assert.match(text, /the WebAssembly module stopped \(Aborted\(test hook\)\)\. The charts so far are kept\./);
    const at = await h.readNumbers(page);
    assert.match(at.status, /the training worker died/);
    const kept = await chartsAreClean(page);
    assert.ok(kept.points.loss > 5 && kept.points.acc >= 1, JSON.stringify(kept.points));
    await sleep(1500);
    assert.equal((await h.readNumbers(page)).examples, at.examples, 'nothing trains after the abort');
    const snap = await snapshotInfo(page);
    assert.ok(snap.examples > 0 && snap.examples <= at.examples);
    await page.getByRole('button', { name: /Restart from the last saved weights/ }).click();
    // The new worker goes on from the snapshot: counts continue from it, and the first accuracy
    // is the trained model's (not an untrained 10%).
    const after = await h.waitForNumbers(page, (x) => x.examples > snap.examples + 2000, 30000, 'training after the restart');
    assert.ok(after.accuracy > 0.8, `accuracy after the restart ${after.accuracy}`);
    const charts = await chartsAreClean(page);
    assert.deepEqual(charts.problems, []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the worker disappears without a word: the watchdog notices, and Start over works', async () => {
  const { context, page, problems } = await pageWithHooks('rule=bp&seed=5&hidden=32&epochs=100');
  try {
    await page.evaluate(async () => (await import('./js/main.js')).page.worker.postMessage({ type: 'test-fault', kind: 'exit' }));
    const text = await noticeMatching(page, /The training stopped/, 15000);
    assert.match(text, /the worker stopped answering for 4 s\. The charts so far are kept\./);
    await page.getByRole('button', { name: 'Start over' }).click();
    await h.waitForNumbers(page, (x) => x.examples > 0 && x.notices.length === 0 && /Training/.test(x.status), 30000, 'a new run');
    // A new run from scratch: its charts start again at the beginning.
    const firstX = await page.evaluate(async () => (await import('./js/main.js')).page.charts.loss.data[0][0]);
    assert.ok(firstX <= 1000, `the new run's first loss point is at ${firstX} examples`);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// --- a hidden tab -------------------------------------------------------------------------------

// Simulated here (headless Chromium keeps every page visible and ignores freezing a visible
// page): document.visibilityState is overridden to 'hidden' with a visibilitychange event, then
// the main thread is paused through the DevTools protocol (Debugger.pause) for
// FWDLAB_HIDDEN_SECONDS (default 20; docs/robustness.md has a 180 s run) while the worker trains
// on, as in a background tab whose page gets no time; then it is resumed and shown again.
test('a tab hidden for a long time and shown again resumes cleanly, with consistent charts', async () => {
  const seconds = Number(process.env.FWDLAB_HIDDEN_SECONDS) || 20;
  const { context, page, problems } = await h.openPage(browser, null);
  await context.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
    window.__vis = 'visible';
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => window.__vis });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => window.__vis === 'hidden' });
  });
  try {
    await page.goto(`${url}#rule=bp&seed=6&epochs=1000`);  // goes on for longer than the hidden time
    await page.locator('#inside-title').scrollIntoViewIfNeeded();  // inside views on
    await waitFor(page, () => document.querySelectorAll('#confusion tbody tr').length === 10, null, 30000, 'the inside views');
    await h.waitForNumbers(page, (x) => x.accuracy !== null && x.examples > 5000, 30000, 'training');
    // Count the worker's views messages from here on.
    await page.evaluate(async () => {
      const { page: p } = await import('./js/main.js');
      window.__views = 0;
      const handler = p.worker.onmessage;
      p.worker.onmessage = (e) => { if (e.data.type === 'views') window.__views++; handler(e); };
    });
    const before = await h.readNumbers(page);
    await page.evaluate(() => { window.__vis = 'hidden'; document.dispatchEvent(new Event('visibilitychange')); });
    await sleep(300);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Debugger.enable');
    const paused = new Promise((r) => cdp.once('Debugger.paused', r));
    await cdp.send('Debugger.pause');
    await paused;
    await sleep(seconds * 1000);
    await cdp.send('Debugger.resume');
    await cdp.send('Debugger.disable');
    const resumedAt = await page.evaluate(() => performance.now());
    await page.evaluate(() => { window.__vis = 'visible'; document.dispatchEvent(new Event('visibilitychange')); });
    // The worker trained on meanwhile; the page catches up and goes on.
    const caught = await h.readNumbers(page);
    const after = await h.waitForNumbers(page, (x) => x.examples > caught.examples + 1000, 20000, 'training after the tab shows again');
    console.log(`# hidden ${seconds} s: ${before.examples} examples before, ${caught.examples} right after, ${after.examples} later`);
    assert.ok(caught.examples > before.examples + 1000, 'the worker trained while the page was away');
    assert.deepEqual(after.notices, [], 'no false alarm (e.g. the watchdog)');
    await sleep(2500);
    const charts = await chartsAreClean(page);
    assert.deepEqual(charts.problems, []);
    // The charts reach the numbers shown: the last loss point is at the latest examples count.
    const shown = await page.evaluate(async () => {
      const { page: p } = await import('./js/main.js');
      const xs = p.charts.loss.data[0];
      return { lastX: xs[xs.length - 1], examples: Number(document.getElementById('n-examples').textContent.replace(/,/g, '')) };
    });
    assert.equal(shown.lastX, shown.examples);
    // The inside views were off while hidden (the worker posts them every 2 s while on).
    const views = await page.evaluate(() => window.__views);
    assert.ok(views <= 6, `${views} views messages over ${seconds + 3} s with the tab hidden most of it`);
    assert.ok(views >= 1, 'the views come back when the tab shows');
    // Catching up should be a burst of small tasks. Logged, not asserted: on a shared, loaded
    // machine the scheduler alone stretches tasks past 50 ms (a full test run at load 15 saw
    // 1.2 s ones here and in the steady-state long-task tests); docs/robustness.md has the figures.
    const long = (await page.evaluate(() => window.__longTasks)).filter((t) => t.start > resumedAt + 100);
    console.log(`# long tasks after the tab shows again: ${JSON.stringify(long)}`);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
