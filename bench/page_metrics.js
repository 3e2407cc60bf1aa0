// The real page (dist/) in headless Chromium, for scripts/bench: time from navigation to the first
// training step, the longest main-thread task while training (from a Chromium trace, so tasks
// under 50 ms count too, which the Long Tasks API does not report), and training throughput with
// and without the evaluation worker.
'use strict';
const h = require('../tests/browser/helpers.js');

// Milliseconds from navigation to the first training step (the page records the first metrics
// message in <html data-first-train-ms>), in a fresh browser context (empty cache).
async function firstStepMs(browser, siteUrl) {
  const { context, page } = await h.openPage(browser, siteUrl);
  try {
    const n = await h.waitForNumbers(page, (x) => x.firstTrainMs && x.examples > 0, 60000, 'the first training step');
    return n.firstTrainMs;
  } finally {
    await context.close();
  }
}

// From a Chrome trace (JSON text): the top-level tasks of the renderer main threads, as
// [{start, dur, cpu}] in microseconds (cpu: the thread's CPU time in the task, "tdur"; wall time
// minus cpu is time the thread waited, e.g. for a core on a loaded machine). Chromium names the
// thread "CrRendererMain" in a metadata event.
function mainThreadTasks(traceText) {
  const trace = JSON.parse(traceText);
  const events = Array.isArray(trace) ? trace : trace.traceEvents;
  const main = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args && e.args.name === 'CrRendererMain')
    .map((e) => `${e.pid}:${e.tid}`));
  return events.filter((e) => e.ph === 'X' && e.name === 'RunTask' && main.has(`${e.pid}:${e.tid}`))
    .map((e) => ({ start: e.ts, dur: e.dur || 0, cpu: e.tdur === undefined ? null : e.tdur }));
}

// Longest main-thread task during `seconds` of training, in wall time and in CPU time (ms), and
// how many took over 50 ms of wall time.
async function longestTask(browser, siteUrl, seconds) {
  const { context, page } = await h.openPage(browser, siteUrl);
  try {
    await h.waitForNumbers(page, (x) => x.firstTrainMs && x.examples > 0, 60000, 'the first training step');
    await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
    await h.sleep(seconds * 1000);
    const tasks = mainThreadTasks((await browser.stopTracing()).toString('utf8'));
    if (tasks.length === 0) throw new Error('the trace holds no main-thread tasks');
    const cpu = tasks.filter((t) => t.cpu !== null).map((t) => t.cpu);
    return {
      longestMs: Math.max(...tasks.map((t) => t.dur)) / 1000,
      longestCpuMs: cpu.length ? Math.max(...cpu) / 1000 : null,
      over50: tasks.filter((t) => t.dur > 50000).length,
      tasks: tasks.length,
    };
  } finally {
    await context.close();
  }
}

// Training in the real page over `seconds`, counted from the first evaluation on (the page has its
// data and runs its evaluations): examples per wall second (the counter the page shows), and the
// share of the training worker's time spent in training steps (its own accounting, trainMs over
// wallMs while playing: the rest went to evaluations, snapshots and the inside views). The share
// does not depend on how much of a core the machine's load leaves to the page.
async function pageThroughput(browser, siteUrl, seconds) {
  const { context, page } = await h.openPage(browser, null);
  let trainer = null;
  page.on('worker', (w) => { if (w.url().endsWith('/js/worker.js')) trainer = w; });
  try {
    await page.goto(siteUrl);
    await h.waitForNumbers(page, (x) => x.examples > 0 && x.accuracy !== null && /all 60,000/.test(x.status), 120000, 'training on all images');
    const times = () => trainer.evaluate(() => ({ train: run.trainMs, wall: run.wallMs }));
    const a = await h.readNumbers(page);
    const ta = await times();
    const t0 = Date.now();
    await h.sleep(seconds * 1000);
    const b = await h.readNumbers(page);
    const tb = await times();
    return { perSecond: (b.examples - a.examples) / ((Date.now() - t0) / 1000), trainShare: (tb.train - ta.train) / (tb.wall - ta.wall) };
  } finally {
    await context.close();
  }
}

module.exports = { firstStepMs, mainThreadTasks, longestTask, pageThroughput };
