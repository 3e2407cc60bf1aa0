// Issue 7 in the built site: drawing a digit, weights export and import, the inside views
// (confusion matrix, mistakes, one FF prediction explained) and an axe-core accessibility audit.
// Run after scripts/build-site, one test after another (one browser; 2 cores).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const h = require('./helpers.js');

let url;
let browser;
h.serveAndLaunch(test, (site) => ({ url, browser } = site));
const { sleep } = h;
let bpWeights = null;  // the 256x256 backprop weights saved by the first test

// Draws a vertical stroke (a "1") on the drawing pad with the mouse.
async function drawOne(page) {
  await page.getByRole('button', { name: 'Clear the drawing' }).click();
  const pad = page.locator('#draw-canvas');
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  const x = box.x + box.width * 0.5;
  await page.mouse.move(x, box.y + box.height * 0.15);
  await page.mouse.down();
  for (let i = 1; i <= 12; i++) await page.mouse.move(x + i * 0.3, box.y + box.height * (0.15 + (0.7 * i) / 12));
  await page.mouse.up();
}

// Draws the same vertical stroke with the keyboard only: Tab focuses the pad, the arrow keys
// move the pen cursor and Space puts it down and lifts it.
async function drawOneWithKeys(page) {
  await page.getByRole('button', { name: 'Clear the drawing' }).focus();
  await page.keyboard.press('Shift+Tab');  // the pad comes just before the Clear button
  assert.equal(await page.evaluate(() => document.activeElement.id), 'draw-canvas');
  for (let i = 0; i < 9; i++) await page.keyboard.press('ArrowUp');     // from the centre to row 5
  await page.keyboard.press('Space');                                     // pen down
  for (let i = 0; i < 4; i++) await page.keyboard.press('Shift+ArrowDown');  // 16 rows down
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Space');                                     // pen up
}

// The scores shown for the drawn digit (exact values from data-value).
async function shownScores(page) {
  return page.$$eval('#draw-scores .score-row', (rows) => rows.map((r) => Number(r.dataset.value)));
}

async function waitFor(page, fn, arg, timeout, what) {
  try {
    await page.waitForFunction(fn, arg, { timeout, polling: 100 });
  } catch (e) {
    throw new Error(`timed out waiting for ${what}`);
  }
}

test('draw a digit: a vertical stroke is a 1 for a briefly trained backprop net; weights export and import', async () => {
  const { context, page, problems } = await h.openPage(browser, `${url}#rule=bp&seed=1`);
  try {
    await h.waitForNumbers(page, (x) => x.accuracy !== null && x.accuracy >= 0.93, 60000, 'BP accuracy >= 93%');
    await drawOne(page);
    await waitFor(page, () => document.getElementById('draw-prediction').textContent === '1', null, 10000, 'the prediction 1');
    const probs = await shownScores(page);
    assert.equal(probs.length, 10);
    assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-4, 'probabilities sum to 1');
    assert.equal(probs.indexOf(Math.max(...probs)), 1);
    // The preview is the centred 28x28 image.
    const ink = await page.locator('#draw-preview').evaluate((c) => {
      const d = c.getContext('2d').getImageData(0, 0, 28, 28).data;
      let dark = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] < 128) dark++;
      return dark;
    });
    assert.ok(ink > 10, `ink pixels in the preview: ${ink}`);

    // The same digit drawn from the keyboard: a visible pen cursor, the pen state in words, a 1.
    await drawOneWithKeys(page);
    assert.equal(await page.locator('#draw-cursor').isVisible(), true, 'the pen cursor shows while the pad has focus');
    assert.match(await page.locator('#draw-pen').textContent(), /Pen up/);
    await waitFor(page, () => document.getElementById('draw-prediction').textContent === '1', null, 10000, 'the prediction 1 for the keyboard stroke');
    const keyInk = await page.locator('#draw-preview').evaluate((c) => {
      const d = c.getContext('2d').getImageData(0, 0, 28, 28).data;
      let dark = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] < 128) dark++;
      return dark;
    });
    assert.ok(keyInk > 10, `ink pixels in the preview of the keyboard stroke: ${keyInk}`);
    await page.keyboard.press('Delete');
    assert.equal(await page.locator('#draw-prediction').textContent(), '–');
    assert.equal(await page.locator('#draw-pen').textContent(), 'Cleared.');

    // Export the weights of the paused model.
    await page.getByRole('button', { name: 'Pause' }).click();
    await sleep(600);
    await drawOne(page);  // the same stroke again (on a cleared pad): a prediction from the paused model
    const before = await h.settledScores(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save weights' }).click()]);
    assert.match(download.suggestedFilename(), /^forward-lab-bp-256x256-seed1\.fwdlab$/);
    const saved = fs.readFileSync(await download.path());
    assert.equal(saved.subarray(0, 7).toString('latin1'), 'FWDLABW');
    bpWeights = saved;
    // Train on: the model (and the scores) change.
    await page.getByRole('button', { name: 'Play' }).click();
    await sleep(2500);
    await page.getByRole('button', { name: 'Pause' }).click();
    await sleep(600);
    await drawOne(page);
    const trained = await h.settledScores(page);
    assert.notDeepEqual(trained, before, 'training on changed the scores');
    // Import: the scores are the exported model's again.
    await page.setInputFiles('#load-weights', { name: 'saved.fwdlab', mimeType: 'application/octet-stream', buffer: saved });
    await waitFor(page, () => [...document.querySelectorAll('#notices .notice')].some((n) => /Loaded the weights/.test(n.textContent)), null, 5000, 'the loaded notice');
    await waitFor(page, (want) => {
      const got = [...document.querySelectorAll('#draw-scores .score-row')].map((r) => Number(r.dataset.value));
      return got.length === 10 && got.every((v, i) => v === want[i]);
    }, before, 5000, 'the exported model\'s scores');
    // A truncated file: the core's message, and the model is kept.
    await page.setInputFiles('#load-weights', { name: 'broken.fwdlab', mimeType: 'application/octet-stream', buffer: saved.subarray(0, 100) });
    await waitFor(page, () => [...document.querySelectorAll('#notices .notice.error')].some((n) => /not loaded/.test(n.textContent)), null, 5000, 'the error notice');
    const n = await h.readNumbers(page);
    const message = n.notices.find((t) => /not loaded/.test(t));
    console.log(`# corrupt file: ${message}`);
    assert.match(message, /broken\.fwdlab/);
    await drawOne(page);
    assert.deepEqual(await h.settledScores(page), before, 'the model is unchanged');
    // Clear empties the pad.
    await page.getByRole('button', { name: 'Clear the drawing' }).click();
    assert.equal(await page.locator('#draw-prediction').textContent(), '–');
    // Metrics as CSV.
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Metrics CSV' }).click()]);
    const text = fs.readFileSync(await csv.path(), 'utf8');
    assert.match(text, /^chart,series,x_name,x,value\nloss,loss,examples,\d+,/);
    assert.match(text, /\nacc,first 1k test,examples,\d+,0\.9/);
    const [png] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the Training loss chart as PNG' }).click()]);
    assert.deepEqual([...fs.readFileSync(await png.path()).subarray(1, 4)], [0x50, 0x4e, 0x47]);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('inside views: the confusion matrix and the mistakes render and update while training', async () => {
  const { context, page, problems } = await h.openPage(browser, null);
  try {
    await context.addInitScript(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: 'longtask', buffered: true });
    });
    // epochs=1000: on an idle machine this small net does its default 10 epochs in about 5 s, and
    // the test needs training still running at its end.
    await page.goto(`${url}#rule=bp&seed=2&hidden=64&epochs=1000`);
    await page.locator('#inside-title').scrollIntoViewIfNeeded();  // the views draw while visible
    await waitFor(page, () => document.querySelectorAll('#confusion tbody tr').length === 10, null, 30000, 'the confusion matrix');
    // Long tasks are counted from 1 s after the first views (the page's start-up is not theirs).
    const drawnAt = await page.evaluate(() => performance.now() + 1000);
    const views = async () => page.evaluate(async () => {
      const v = (await import('./js/main.js')).page.lastViews;
      return { examples: v.examples, count: v.count, correct: v.correct, total: v.confusion.reduce((a, b) => a + b, 0) };
    });
    const a = await views();
    assert.equal(a.total, a.count);
    await sleep(5000);  // the views update every 2 s or so
    const b = await views();
    assert.ok(b.examples > a.examples, `views updated: ${a.examples} -> ${b.examples}`);
    // The table shows the numbers: the diagonal sums to the correct count.
    const diag = await page.$$eval('#confusion tbody tr', (rows) => rows.reduce((s, r, i) => s + (Number(r.children[i + 1].textContent) || 0), 0));
    assert.ok(Math.abs(diag - (await views()).correct) <= 300);
    await waitFor(page, () => document.querySelectorAll('#gallery button.digit').length > 0, null, 20000, 'a misclassified digit');
    // Redrawing the views keeps every main-thread task under 50 ms.
    const long = (await page.evaluate(() => window.__longTasks)).filter((t) => t.start > drawnAt);
    console.log(`# long tasks while the inside views update: ${JSON.stringify(long)}`);
    assert.deepEqual(long, []);
    // Picking one explains it.
    const first = page.locator('#gallery button.digit').first();
    const index = Number(await first.getAttribute('data-index'));
    await first.click();
    await waitFor(page, (i) => document.getElementById('explain-caption').textContent.startsWith(`Test image ${i + 1}:`), index, 5000, 'the explanation');
    // Weights for another architecture: the core's message, and training goes on.
    if (bpWeights) {
      await page.setInputFiles('#load-weights', { name: 'big.fwdlab', mimeType: 'application/octet-stream', buffer: bpWeights });
      await waitFor(page, () => [...document.querySelectorAll('#notices .notice.error')].some((n) => /not loaded/.test(n.textContent)), null, 5000, 'the error notice');
      const t = (await h.readNumbers(page)).notices.find((x) => /not loaded/.test(x));
      assert.match(t, /big\.fwdlab: the weights are for rule bp with hidden layers 256.256 .*but the current model is rule bp with hidden layers 64/);
      const before = (await h.readNumbers(page)).examples;
      await h.waitForNumbers(page, (x) => x.examples > before, 5000, 'training after the refused file');
    }
    // The first-layer weights are drawn once their section is on screen.
    await page.locator('#weights-canvas').scrollIntoViewIfNeeded();
    await waitFor(page, () => {
      const c = document.getElementById('weights-canvas');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < d.length; i += 4) if (d[i + 3] && (d[i] < 250 || d[i + 2] < 250)) return true;
      return false;
    }, null, 5000, 'the first-layer weights');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('inside views: at an epoch end, the confusion matrix on the full test set (10,000 images)', async () => {
  const { context, page, problems } = await h.openPage(browser, `${url}#rule=bp&seed=2`);
  try {
    await page.locator('#inside-title').scrollIntoViewIfNeeded();  // the views draw while visible
    await waitFor(page, () => document.querySelectorAll('#confusion-full tbody tr').length === 10, null, 90000, 'the full-test-set confusion matrix');
    const full = await page.evaluate(async () => {
      const v = (await import('./js/main.js')).page.lastViewsFull;
      return { count: v.count, correct: v.correct, epoch: v.epoch, total: v.confusion.reduce((a, b) => a + b, 0) };
    });
    console.log(`# full-test-set confusion matrix: ${JSON.stringify(full)}`);
    assert.equal(full.count, 10000);
    assert.equal(full.total, 10000);
    assert.ok(full.epoch >= 1);
    // The table shows it: every cell sums to 10,000; the hint says which matrix it is.
    const cells = await page.$$eval('#confusion-full tbody td', (tds) => tds.reduce((s, td) => s + (Number(td.textContent) || 0), 0));
    assert.equal(cells, 10000);
    assert.match(await page.locator('#confusion-full-hint').textContent(), /Full test set \(10,000 images, epoch \d+/);
    assert.match(await page.locator('#confusion-hint').textContent(), /first 300 test images/);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('Forward-Forward: the goodness per label and layer explains the prediction the page shows', async () => {
  const { context, page, problems } = await h.openPage(browser, `${url}#rule=ff&seed=1&hidden=200,200`);
  try {
    await page.locator('#inside-title').scrollIntoViewIfNeeded();
    await waitFor(page, () => document.querySelectorAll('#explain-goodness tbody tr').length === 10, null, 40000, 'the goodness table');
    // Goodness histograms: one per hidden layer, both series non-empty, updating over time.
    await waitFor(page, () => !document.getElementById('ghist-view').hidden && document.querySelectorAll('#ghist figure').length === 2, null, 40000, 'the goodness histograms');
    const hist = await page.evaluate(() => [...document.querySelectorAll('#ghist figure')].map((f) => [Number(f.dataset.pos), Number(f.dataset.neg)]));
    for (const [pos, neg] of hist) assert.ok(pos > 0 && neg > 0, JSON.stringify(hist));
    const before = await page.locator('#ghist-summary').textContent();
    assert.match(before, /layer 2: positive mean .*, negative mean /);
    await waitFor(page, (b) => document.getElementById('ghist-summary').textContent !== b, before, 30000, 'the histograms to update');
    await h.waitForNumbers(page, (x) => x.accuracy !== null && x.accuracy > 0.5, 60000, 'FF accuracy above chance');
    for (let k = 0; k < 3; k++) {
      await page.getByRole('button', { name: 'Next digit to explain' }).click();
      await waitFor(page, (i) => document.getElementById('explain-caption').textContent.startsWith(`Test image ${i}:`), k + 2, 5000, `digit ${k + 2}`);
      const shown = await page.evaluate(() => {
        const sums = [...document.querySelectorAll('#explain-goodness td.sum')].map((td) => Number(td.dataset.value));
        const layers = document.querySelectorAll('#explain-goodness thead th').length - 2;
        return { sums, layers, predicted: Number(document.getElementById('explain-predicted').textContent), caption: document.getElementById('explain-caption').textContent };
      });
      assert.equal(shown.layers, 2);
      assert.equal(shown.sums.indexOf(Math.max(...shown.sums)), shown.predicted, JSON.stringify(shown));
      assert.match(shown.caption, new RegExp(`predicts ${shown.predicted}`));
    }
    // The drawn digit's scores are the per-label goodness too.
    await drawOne(page);
    await waitFor(page, () => /goodness/i.test(document.getElementById('draw-kind').textContent), null, 5000, 'goodness scores for the drawing');
    const scores = await shownScores(page);
    const predicted = Number(await page.locator('#draw-prediction').textContent());
    assert.equal(scores.indexOf(Math.max(...scores)), predicted);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('accessibility: axe-core finds no serious or critical problems; the page fits 360 px', async () => {
  const { context, page, problems } = await h.openPage(browser, `${url}#rule=ff&seed=1&hidden=100`);
  try {
    await page.locator('#inside-title').scrollIntoViewIfNeeded();
    await waitFor(page, () => document.querySelectorAll('#explain-goodness tbody tr').length === 10, null, 40000, 'the inside views');
    await h.addAxe(page);
    const audit = async () => page.evaluate(async () => {
      const r = await window.axe.run(document, { resultTypes: ['violations'] });
      return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ' ' + (n.any[0] ? JSON.stringify(n.any[0].data) : '')) }));
    });
    const wide = await audit();
    assert.deepEqual(wide, [], JSON.stringify(wide, null, 1));
    // Dark mode (the system setting), with a field's error message showing.
    await page.emulateMedia({ colorScheme: 'dark' });
    const lr = page.getByLabel('Learning rate', { exact: true });
    await lr.fill('fast');
    await lr.press('Enter');
    assert.match(await page.locator('.field[data-key="lr"] .field-error').textContent(), /not a number/);
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(18, 21, 27)');
    const dark = await audit();
    assert.deepEqual(dark, [], JSON.stringify(dark, null, 1));
    await page.emulateMedia({ colorScheme: 'light' });
    // Every button and form control has an accessible name and is reachable by Tab.
    const unnamed = await page.evaluate(() => [...document.querySelectorAll('button, input, select, textarea')]
      .filter((e) => e.offsetParent !== null || e.id === 'load-weights')
      .filter((e) => e.tabIndex < 0).map((e) => e.id || e.outerHTML.slice(0, 60)));
    assert.deepEqual(unnamed, []);
    // The latest figures, for screen readers, in a polite live region.
    await waitFor(page, () => /^Test accuracy \d/.test(document.getElementById('live-summary').textContent), null, 20000, 'the live summary');
    assert.equal(await page.getAttribute('#live-summary', 'aria-live'), 'polite');
    await page.setViewportSize({ width: 360, height: 740 });
    await sleep(500);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `horizontal overflow of ${overflow} px at 360 px`);
    const narrow = await audit();
    assert.deepEqual(narrow, [], JSON.stringify(narrow, null, 1));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
