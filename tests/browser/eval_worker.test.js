// The evaluation worker (web/js/eval_worker.js) in headless Chromium: evaluations of the training
// run arrive from it and are charted while the training worker goes on; training does not wait
// when the evaluation worker is busy; ?evalworker=0 keeps evaluations in the training worker.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers.js');

let url;
let browser;
h.serveAndLaunch(test, (site) => ({ url, browser } = site));

// Opens the page at `path`, collecting its workers by script name.
async function openWithWorkers(path) {
  const opened = await h.openPage(browser, null);
  const workers = {};
  opened.page.on('worker', (w) => { workers[w.url().split('/').pop()] = w; });
  await opened.page.goto(`${url}${path}`);
  return { ...opened, workers };
}

const evaluations = (worker) => worker.evaluate(() => self.evaluations);

test('evaluations come from the evaluation worker and reach the charts while training goes on', async () => {
  const { context, page, problems, workers } = await openWithWorkers('#rule=bp&seed=1');
  try {
    const first = await h.waitForNumbers(page, (x) => x.examples > 0 && x.accuracy !== null, 60000, 'a first evaluation');
    assert.ok(workers['eval_worker.js'], `workers started: ${Object.keys(workers)}`);
    // Two more evaluations from the evaluation worker, and training moved on meanwhile.
    const done = await evaluations(workers['eval_worker.js']);
    assert.ok(done >= 1, `${done} evaluations in the evaluation worker`);
    const end = Date.now() + 30000;
    while (Date.now() < end && (await evaluations(workers['eval_worker.js'])) < done + 2) await h.sleep(250);
    assert.ok((await evaluations(workers['eval_worker.js'])) >= done + 2, 'two more evaluations within 30 s');
    const later = await h.readNumbers(page);
    assert.ok(later.examples > first.examples, `examples ${first.examples} -> ${later.examples}`);
    // Each evaluation is a point of the accuracy chart (first 1k test images).
    const points = await page.evaluate(() => document.querySelectorAll('#chart-acc canvas').length);
    assert.ok(points > 0, 'the accuracy chart is drawn');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('training goes on while the evaluation worker is busy, and evaluations resume after', async () => {
  const { context, page, problems, workers } = await openWithWorkers('#rule=bp&seed=2');
  try {
    await h.waitForNumbers(page, (x) => x.examples > 0 && x.accuracy !== null, 60000, 'a first evaluation');
    const ev = workers['eval_worker.js'];
    assert.ok(ev, 'the evaluation worker started');
    // Keep the evaluation worker's thread busy for 4 s, as a long evaluation would.
    const before = await h.readNumbers(page);
    const blocked = ev.evaluate(() => { const end = Date.now() + 4000; while (Date.now() < end); return true; });
    await h.sleep(3000);
    const during = await h.readNumbers(page);
    assert.ok(during.examples > before.examples, `training stalled while the evaluation worker was busy: ${before.examples} -> ${during.examples}`);
    await blocked;
    const count = await evaluations(ev);
    const end = Date.now() + 30000;
    while (Date.now() < end && (await evaluations(ev)) <= count) await h.sleep(250);
    assert.ok((await evaluations(ev)) > count, 'evaluations resumed after the busy spell');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('?evalworker=0 evaluates in the training worker', async () => {
  const { context, page, problems, workers } = await openWithWorkers('?evalworker=0#rule=bp&seed=3');
  try {
    const n = await h.waitForNumbers(page, (x) => x.examples > 0 && x.accuracy !== null, 60000, 'a first evaluation');
    assert.ok(n.accuracy > 0.3, `accuracy ${n.accuracy}`);
    assert.equal(workers['eval_worker.js'], undefined, 'no evaluation worker');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
