// The training worker (a classic worker script): owns the WebAssembly module, the data sets and
// the training session. It trains in short slices and posts metrics; the page only draws.
//
// Messages in:  {type:'init', base}            load the module from base + 'wasm/'
//               {type:'reset', config, runId, play}  drop the current run, prepare a new one
//               {type:'stop', runId}           drop the current run
//               {type:'play'} {type:'pause'} {type:'step'}
//               {type:'predict', id, pixels}   class scores of a drawn digit (Float32Array 784)
//               {type:'views', on}             inside views (confusion, mistakes, explain) on/off
//               {type:'explain', index}        which view-set test digit to explain
//               {type:'save-weights'} {type:'load-weights', bytes, name}
//               {type:'eval-port', port}        evaluate in eval_worker.js through port (null: here)
// Messages out: {type:'ready', rules, unavailable} {type:'progress', ...} {type:'status', ...}
//               {type:'metrics', ...} {type:'eval', ...} {type:'weights', units, pixels}
//               (the first metrics of a run also carries firstBatch: the indices of its first batch)
//               {type:'error', name, message} {type:'prediction', id, kind, scores, ...}
//               {type:'views', ...} {type:'explain', ...} {type:'weights-file', bytes}
//               {type:'weights-loaded', ok, message}
//               Each carries the runId of the run it is about: the page drops messages that
//               were already on their way when it started another run.
//
// How a run uses the data (the same for every run, so a shared link rebuilds the same run):
// the first pass is a warm-up over the first WARMUP_EXAMPLES training images, which arrive
// first; then the weights move to a session over the whole training set, which runs
// config.epochs epochs. If the rest of the training images has not arrived when the warm-up pass
// ends, training waits for it instead of doing anything that depends on timing. The optimiser's
// state (Adam moments, momentum) restarts at that switch; weights carry over exactly.
'use strict';

const WARMUP_EXAMPLES = 10000;
const QUICK_TEST = 1000;          // quick evaluations use the first 1000 test images
const SLICE_MS = 30;              // target length of one training slice
const POST_MS = 100;              // metrics are posted at most this often
const EVAL_SHARE = 0.12;          // quick evaluations take at most ~12% of the time
const VIEW_MAX = 300;             // the inside views look at the first 300 test images (FF: 100)
const VIEW_SHARE = 0.04;          // and take at most ~4% of the time, at most once a second
const GALLERY_MAX = 24;           // misclassified digits shown
const FULL_CHUNK = 500;           // the full-test-set confusion matrix predicts 500 images at a time
const FILE_SIZES = {              // decompressed sizes, for the progress bar before headers arrive
  'train-images-idx3-ubyte': 16 + 60000 * 784,
  'train-labels-idx1-ubyte': 8 + 60000,
  't10k-images-idx3-ubyte': 16 + 10000 * 784,
  't10k-labels-idx1-ubyte': 8 + 10000,
};

let Module = null;
let base = '';
let playing = false;
let run = null;           // the current run (see newRun)
const data = {};          // dataset name -> loader state
const tickChannel = new MessageChannel();  // a zero-delay yield (nested setTimeout clamps to 4 ms)
let tickQueued = false;

let viewsOn = true;
let explainIndex = 0;      // the view-set test digit the page explains

let runId = 0;             // the page's id of the current run, echoed in every message
function post(message) { self.postMessage({ runId, ...message }); }

function errorMessage(e) {
  return { type: 'error', name: (e && e.name) || 'Error', message: (e && e.message) || String(e) };
}

// --- data --------------------------------------------------------------------------------------

// Streams url (gzip, or plain if the server already decoded it) into a buffer; calls
// onBytes(buffer, filled) as data arrive. Resolves with the complete buffer.
async function streamFile(url, expected, onBytes) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const reader = response.body.getReader();
  const first = await reader.read();
  let stream;
  const restStream = new ReadableStream({
    start(controller) { if (!first.done) controller.enqueue(first.value); },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close(); else controller.enqueue(value);
    },
  });
  const gz = !first.done && first.value.length >= 2 && first.value[0] === 0x1f && first.value[1] === 0x8b;
  stream = gz ? restStream.pipeThrough(new DecompressionStream('gzip')) : restStream;
  let buffer = new Uint8Array(expected);
  let filled = 0;
  const r = stream.getReader();
  for (;;) {
    const { done, value } = await r.read();
    if (done) break;
    if (filled + value.length > buffer.length) {
      const bigger = new Uint8Array(Math.max(buffer.length * 2, filled + value.length));
      bigger.set(buffer.subarray(0, filled));
      buffer = bigger;
    }
    buffer.set(value, filled);
    filled += value.length;
    onBytes(buffer, filled);
  }
  return filled === buffer.length ? buffer : buffer.slice(0, filled);
}

function loadDataset(name) {
  if (data[name]) return data[name];
  const d = { name, received: {}, test: null, slice: null, full: null, error: null };
  data[name] = d;
  const dir = `${base}data/${name}/`;
  const total = Object.values(FILE_SIZES).reduce((a, b) => a + b, 0);
  const progress = () => {
    const got = Object.values(d.received).reduce((a, b) => a + b, 0);
    post({ type: 'progress', dataset: name, loaded: got, total, done: !!d.full });
  };
  const file = (f, onBytes) => streamFile(`${dir}${f}.gz`, FILE_SIZES[f], (buf, filled) => {
    d.received[f] = filled;
    if (onBytes) onBytes(buf, filled);
    progress();
  });
  const notify = () => dataChanged(name);
  const fail = (e) => { if (!d.error) { d.error = e; notify(); } };

  const testLabels = file('t10k-labels-idx1-ubyte');
  const trainLabels = file('train-labels-idx1-ubyte');
  const testImages = file('t10k-images-idx3-ubyte');
  let sliceStarted = false;
  const trainImages = file('train-images-idx3-ubyte', (buf, filled) => {
    if (sliceStarted || FwdlabIdx.itemsAvailable(buf, filled) < WARMUP_EXAMPLES) return;
    sliceStarted = true;
    const prefix = FwdlabIdx.idxPrefix(buf, WARMUP_EXAMPLES, filled);
    trainLabels.then((labels) => {
      d.slice = Module.Dataset.fromIdx(`${name} train (first ${WARMUP_EXAMPLES})`, prefix, FwdlabIdx.idxPrefix(labels, WARMUP_EXAMPLES));
      notify();
    }).catch(fail);
  });
  Promise.all([testImages, testLabels]).then(([images, labels]) => {
    d.test = Module.Dataset.fromIdx(`${name} test`, images, labels);
    notify();
  }).catch(fail);
  Promise.all([trainImages, trainLabels]).then(([images, labels]) => {
    d.full = Module.Dataset.fromIdx(`${name} train`, images, labels);
    progress();
    notify();
  }).catch(fail);
  return d;
}

// --- the run -------------------------------------------------------------------------------------

function newRun(config) {
  return {
    config,
    phase: 'loading',      // loading -> warmup -> (waiting) -> main -> finished | failed
    session: null,
    stepsPerSlice: 4,
    examplesBefore: 0,     // examples seen by earlier phases
    trainMs: 0,            // time inside session.train
    wallMs: 0,             // time while playing (training + evaluating)
    window: { examples: 0, ms: 0, loss: 0, steps: 0, figures: {} },
    lastPost: 0,
    lastEvalWall: 0,
    evalCostMs: 0,
    lastEpochEvaluated: -1,
    lastWeightsWall: -Infinity,
    lastViewsWall: -Infinity,
    viewsCostMs: 0,
    viewsMs: 0,            // time inside the inside views (included in wallMs)
    firstBatch: null,      // indices of the first batch (posted once, with the first metrics)
    firstBatchPosted: false,
  };
}

function disposeRun() {
  if (run && run.session) { run.session.delete(); run.session = null; }
  run = null;
}

function status(extra) {
  if (!run) return;
  post({ type: 'status', phase: run.phase, playing, ...extra });
}

function fail(e) {
  if (run) run.phase = 'failed';
  playing = false;
  post(errorMessage(e));
  status();
}

// Moves the run forward through its phases as data arrive; returns true when it can train.
function advancePhase() {
  if (!run) return false;
  const d = data[run.config.dataset];
  if (d.error) { fail(d.error); return false; }
  if (run.phase === 'loading') {
    if (!d.test || !d.slice) return false;
    try {
      run.session = new Module.Session({ ...run.config, epochs: 1 }, d.slice, d.test);
    } catch (e) { fail(e); return false; }
    run.phase = 'warmup';
    status();
  }
  if ((run.phase === 'warmup' && run.session.finished) || run.phase === 'waiting') {
    if (!d.full) {
      if (run.phase !== 'waiting') { run.phase = 'waiting'; status(); }
      return false;
    }
    try {
      const weights = run.session.saveWeights();
      run.examplesBefore += run.session.examplesSeen;
      run.session.delete();
      run.session = null;
      run.session = new Module.Session(run.config, d.full, d.test);
      run.session.loadWeights(weights, 'warm-up pass');
    } catch (e) { fail(e); return false; }
    run.phase = 'main';
    status();
  }
  if (run.phase === 'main' && run.session.finished) {
    run.phase = 'finished';
    playing = false;
    status();
    return false;
  }
  return run.phase === 'warmup' || run.phase === 'main';
}

function postMetrics(now, m) {
  const w = run.window;
  if (w.steps === 0) return;
  const figures = {};
  for (const [k, v] of Object.entries(w.figures)) figures[k] = v / w.steps;
  post({
    type: 'metrics',
    phase: run.phase,
    examples: run.examplesBefore + m.examples,
    epoch: run.phase === 'main' ? m.epoch : 0,
    loss: w.loss / w.steps,
    figures,
    examplesPerSecond: w.ms > 0 ? (1000 * w.examples) / w.ms : 0,
    trainSeconds: run.trainMs / 1000,
    wallSeconds: run.wallMs / 1000,
    viewsSeconds: run.viewsMs / 1000,
    // Debug, first message of a run only: the training-set indices of the run's first batch
    // (a race checks that every lane saw the same data order).
    ...(run.firstBatchPosted ? {} : { firstBatch: run.firstBatch }),
  });
  run.firstBatchPosted = true;
  run.window = { examples: 0, ms: 0, loss: 0, steps: 0, figures: {} };
  run.lastPost = now;
}

// The incoming weights of the first WEIGHT_UNITS hidden units, as 28x28 images. weightsView(0)
// is a view into wasm memory that any later call into the module may invalidate (memory growth
// detaches it), so it is read at once and copied; nothing keeps it.
const WEIGHT_UNITS = 16;
function postWeights() {
  const s = run && run.session;
  if (!s) return;
  const info = s.parameters()[0];
  if (!info || info.rows !== 784) return;
  const units = Math.min(WEIGHT_UNITS, info.cols);
  const out = new Float32Array(units * 784);
  const view = s.weightsView(0);  // row-major rows x cols: W[i][j] = view[i * cols + j]
  for (let i = 0; i < 784; i++) {
    for (let j = 0; j < units; j++) out[j * 784 + i] = view[i * info.cols + j];
  }
  self.postMessage({ runId, type: 'weights', name: info.name, units, pixels: out }, [out.buffer]);
  run.lastWeightsWall = run.wallMs;
}

// --- inside views ------------------------------------------------------------------------------
// The first VIEW_MAX test images as floats in [0, 1] (cached per data set) and their labels.
function viewSet() {
  const d = data[run.config.dataset];
  if (!d || !d.test) return null;
  if (!d.view) {
    const n = Math.min(VIEW_MAX, d.test.count);
    const pixels = new Float32Array(n * 784);
    const bytes = new Uint8Array(n * 784);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const img = d.test.image(i);
      bytes.set(img, i * 784);
      for (let j = 0; j < 784; j++) pixels[i * 784 + j] = img[j] / 255;
      labels[i] = d.test.label(i);
    }
    d.view = { n, pixels, bytes, labels };
  }
  return d.view;
}

function argmax(a, offset = 0, n = 10) {
  let best = 0;
  for (let c = 1; c < n; c++) if (a[offset + c] > a[offset + best]) best = c;
  return best;
}

function softmax(a) {
  const max = Math.max(...a);
  const e = a.map((v) => Math.exp(v - max));
  const sum = e.reduce((x, y) => x + y, 0);
  return e.map((v) => v / sum);
}

// Scores of one digit as the page shows them: FF per-label goodness (summed over the layers the
// prediction uses, and per layer), the others softmax probabilities.
function scoreDigit(pixels) {
  const s = run.session;
  const scores = Array.from(s.predict(pixels));
  const out = { rule: run.config.rule, predicted: argmax(scores) };
  if (run.config.rule === 'ff') {
    const g = s.labelGoodness(pixels);
    out.kind = 'goodness';
    out.scores = scores;
    out.layers = g.layers.map((l) => Array.from(l));
    out.counted = g.counted;
  } else {
    out.kind = 'probability';
    out.scores = softmax(scores);
  }
  return out;
}

function postExplain() {
  const v = viewSet();
  if (!v || !run.session) return;
  const i = Math.max(0, Math.min(v.n - 1, explainIndex));
  const r = scoreDigit(v.pixels.subarray(i * 784, (i + 1) * 784));
  post({ type: 'explain', index: i, label: v.labels[i], image: v.bytes.slice(i * 784, (i + 1) * 784), ...r });
}

// Confusion matrix and misclassified digits on the view set, and the explained digit.
function postViews() {
  const s = run && run.session;
  const v = s && viewSet();
  if (!v) return 0;
  const t0 = performance.now();
  try {
    const n = run.config.rule === 'ff' ? Math.min(100, v.n) : v.n;
    const scores = s.predict(v.pixels.subarray(0, n * 784));
    const confusion = new Uint32Array(100);  // [true * 10 + predicted]
    const wrong = [];
    let correct = 0;
    for (let i = 0; i < n; i++) {
      const p = argmax(scores, i * 10);
      confusion[v.labels[i] * 10 + p]++;
      if (p === v.labels[i]) correct++;
      else if (wrong.length < GALLERY_MAX) wrong.push({ index: i, predicted: p, label: v.labels[i] });
    }
    const images = new Uint8Array(wrong.length * 784);
    wrong.forEach((w, k) => images.set(v.bytes.subarray(w.index * 784, (w.index + 1) * 784), k * 784));
    // FF: per-layer goodness with the true label (positive) and a fixed wrong one (negative).
    let goodness = null;
    if (run.config.rule === 'ff') {
      goodness = s.labelGoodness(v.pixels.subarray(0, n * 784)).layers.map((g) => {
        const pos = new Float32Array(n);
        const neg = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          const y = v.labels[i];
          pos[i] = g[i * 10 + y];
          neg[i] = g[i * 10 + ((y + 1 + (i % 9)) % 10)];
        }
        return { pos, neg };
      });
    }
    post({ type: 'views', count: n, correct, confusion, wrong, images, goodness, examples: run.examplesBefore + s.examplesSeen });
    postExplain();
  } catch (e) {
    // A view must never stop training: say so once, and stop the views.
    console.error(`inside views stopped: ${e.message}`);
    viewsOn = false;
    return 0;
  }
  const ms = performance.now() - t0;
  run.viewsCostMs = ms;
  run.viewsMs += ms;
  run.lastViewsWall = run.wallMs + ms;
  return ms;
}

// At an epoch end (with the inside views on): the confusion matrix on the whole test set,
// predicted in chunks of FULL_CHUNK images (one reused Float32Array; bounded memory).
function postFullConfusion(epoch) {
  const s = run && run.session;
  const d = data[run.config.dataset];
  if (!s || !d || !d.test) return 0;
  const t0 = performance.now();
  try {
    const total = d.test.count;
    const confusion = new Uint32Array(100);  // [true * 10 + predicted]
    const pixels = new Float32Array(FULL_CHUNK * 784);
    let correct = 0;
    for (let start = 0; start < total; start += FULL_CHUNK) {
      const n = Math.min(FULL_CHUNK, total - start);
      for (let i = 0; i < n; i++) {
        const img = d.test.image(start + i);
        for (let j = 0; j < 784; j++) pixels[i * 784 + j] = img[j] / 255;
      }
      const scores = s.predict(pixels.subarray(0, n * 784));
      for (let i = 0; i < n; i++) {
        const label = d.test.label(start + i);
        const p = argmax(scores, i * 10);
        confusion[label * 10 + p]++;
        if (p === label) correct++;
      }
    }
    post({ type: 'views-full', count: total, correct, confusion, epoch, examples: run.examplesBefore + s.examplesSeen });
  } catch (e) {
    console.error(`full-test-set confusion matrix skipped: ${e.message}`);
    return 0;
  }
  const ms = performance.now() - t0;
  run.viewsMs += ms;
  return ms;
}

// --- evaluation in its own worker (eval_worker.js), when the page attached one -------------------
let evalPort = null;       // MessagePort to the evaluation worker, once it is ready
let evalInFlight = false;  // a quick evaluation is being computed there

function attachEvalPort(port) {
  evalPort = null;
  evalInFlight = false;
  if (!port) return;  // detached: evaluate here again
  port.onmessage = ({ data }) => {
    if (data.type === 'eval-ready') evalPort = port;
    else if (data.type === 'evaluated' && !data.full) evalInFlight = false;
    else if (data.type === 'eval-failed') { console.error(`evaluation worker: ${data.message}`); attachEvalPort(null); }
  };
}

// Hands the evaluation worker a weights snapshot (at most one quick evaluation at a time; full
// ones always); returns the milliseconds the snapshot cost here, undefined when skipped.
function offloadEvaluation(full) {
  if (!full && evalInFlight) return undefined;
  const t0 = performance.now();
  let weights;
  try { weights = run.session.saveWeights(); } catch (err) { fail(err); return undefined; }
  if (!full) evalInFlight = true;
  evalPort.postMessage({
    type: 'evaluate', runId, config: run.config, weights, full, phase: run.phase,
    examples: run.examplesBefore + run.session.examplesSeen,
    epoch: run.phase === 'main' ? run.session.steps / run.session.stepsPerEpoch : 0,
    trainSeconds: run.trainMs / 1000, wallSeconds: run.wallMs / 1000,
  }, [weights.buffer]);
  const ms = performance.now() - t0;
  if (!full) run.evalCostMs = ms;
  return ms;
}

function evaluate(full) {
  if (evalPort) return offloadEvaluation(full);
  const t0 = performance.now();
  let e;
  try {
    e = full ? run.session.evaluate() : run.session.evaluateFirst(QUICK_TEST);
  } catch (err) { fail(err); return; }
  const ms = performance.now() - t0;
  if (!full) run.evalCostMs = ms;
  post({
    type: 'eval', full, phase: run.phase,
    examples: run.examplesBefore + run.session.examplesSeen,
    epoch: run.phase === 'main' ? run.session.steps / run.session.stepsPerEpoch : 0,
    accuracy: e.accuracy, loss: e.loss, count: e.count, figures: e.figures,
    trainSeconds: run.trainMs / 1000, wallSeconds: run.wallMs / 1000, evalMs: ms,
  });
  return ms;
}

// Runs up to `steps` steps (never across an epoch end), updates counters; returns false on error.
function trainSteps(steps) {
  const s = run.session;
  const spe = s.stepsPerEpoch;
  // The very first call of a run trains one step, so the run can report its first batch.
  const k = run.firstBatch ? Math.max(1, Math.min(steps, spe - (s.steps % spe))) : 1;
  const t0 = performance.now();
  let m;
  try {
    m = s.train(k);
    if (!run.firstBatch) run.firstBatch = Array.from(s.lastBatchIndices());
  } catch (e) { fail(e); return null; }
  const ms = performance.now() - t0;
  run.trainMs += ms;
  const w = run.window;
  w.examples += m.stepsRun * run.config.batch;
  w.ms += ms;
  w.loss += m.loss * m.stepsRun;
  w.steps += m.stepsRun;
  for (const [key, v] of Object.entries(m.figures)) w.figures[key] = (w.figures[key] || 0) + v * m.stepsRun;
  return { m, ms };
}

function afterSteps(result, now, forcePost) {
  const { m } = result;
  if (forcePost || now - run.lastPost >= POST_MS) postMetrics(now, m);
  if (forcePost || run.wallMs - run.lastWeightsWall >= 1500) postWeights();
  if (viewsOn && (forcePost || run.wallMs - run.lastViewsWall >= Math.max(1000, run.viewsCostMs / VIEW_SHARE))) {
    run.wallMs += postViews();
  }
  const spe = run.session.stepsPerEpoch;
  const epochEnd = run.phase === 'main' && m.steps % spe === 0 && m.steps / spe !== run.lastEpochEvaluated;
  if (epochEnd) {
    run.lastEpochEvaluated = m.steps / spe;
    postMetrics(now, m);
    const ms = evaluate(true);
    if (ms !== undefined) run.wallMs += ms;
    if (ms !== undefined && viewsOn) run.wallMs += postFullConfusion(run.lastEpochEvaluated);
    run.lastEvalWall = run.wallMs;
    return;
  }
  // A quick evaluation when the last one is at least 1 s old and evaluations stay cheap.
  const gap = Math.max(1000, run.evalCostMs / EVAL_SHARE);
  if (run.wallMs - run.lastEvalWall >= gap || forcePost) {
    const ms = evaluate(false);
    if (ms !== undefined) run.wallMs += ms;
    run.lastEvalWall = run.wallMs;
  }
}

function tick() {
  tickQueued = false;
  if (!playing || !run) return;
  if (!advancePhase()) return;  // waiting for data: the data loader calls schedule() again
  const t0 = performance.now();
  const result = trainSteps(run.stepsPerSlice);
  if (!result) return;
  // Adapt the slice to ~SLICE_MS (smoothed; the first calls run in V8's baseline tier).
  const perStep = result.ms / Math.max(1, result.m.stepsRun);
  const ideal = Math.max(1, Math.min(5000, Math.round(SLICE_MS / Math.max(perStep, 1e-3))));
  run.stepsPerSlice = Math.max(1, Math.round(0.5 * run.stepsPerSlice + 0.5 * ideal));
  run.wallMs += performance.now() - t0;
  afterSteps(result, performance.now(), false);
  if (run && run.phase !== 'failed') advancePhase();
  schedule();
}

function schedule() {
  if (tickQueued || !playing) return;
  tickQueued = true;
  tickChannel.port2.postMessage(null);
}
tickChannel.port1.onmessage = tick;

// A data set got a new part (test set, first slice, everything) or failed: the current run may
// now move on (loading -> warmup, waiting -> main).
function dataChanged(name) {
  if (!run || run.config.dataset !== name) return;
  advancePhase();
  if (playing) schedule();
}

async function init(message) {
  base = message.base;
  importScripts(`${base}js/idx_prefix.js`, `${base}wasm/fwdlab_core.js`);
  Module = await createFwdlabModule({ locateFile: (f) => `${base}wasm/${f}` });
  post({ type: 'ready', rules: Module.knownRules(), unavailable: probeRules() });
}

// Which rules this build can run: builds a tiny session per rule on two blank images. A rule
// whose code has not landed yet throws "rule 'x' is not available in this build yet".
function probeRules() {
  const images = new Uint8Array(16 + 2 * 784);
  images.set([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28]);
  const labels = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 0, 1]);
  const tiny = Module.Dataset.fromIdx('probe', images, labels);
  const unavailable = {};
  for (const rule of Module.knownRules()) {
    try {
      new Module.Session({ rule, hidden: [8], batch: 1, epochs: 1 }, tiny, tiny).delete();
    } catch (e) {
      if (/not available/.test(e.message)) unavailable[rule] = e.message;
    }
  }
  tiny.delete();
  return unavailable;
}

self.onmessage = async (event) => {
  const msg = event.data;
  try {
    switch (msg.type) {
      case 'init':
        await init(msg);
        break;
      case 'reset': {
        runId = msg.runId;
        playing = false;
        disposeRun();
        const problem = Module.checkConfig(msg.config);
        if (problem) { post({ type: 'error', name: 'ConfigError', message: problem }); break; }
        run = newRun(msg.config);
        loadDataset(msg.config.dataset);
        status();
        advancePhase();
        if (msg.play) { playing = true; status(); schedule(); }
        break;
      }
      case 'eval-port':
        attachEvalPort(msg.port);
        break;
      case 'stop':
        runId = msg.runId;
        playing = false;
        disposeRun();
        break;
      case 'play':
        if (!run || run.phase === 'failed' || run.phase === 'finished') break;
        playing = true;
        status();
        schedule();
        break;
      case 'pause':
        playing = false;
        if (run && run.session) postMetrics(performance.now(), { examples: run.session.examplesSeen, epoch: run.session.steps / run.session.stepsPerEpoch });
        status();
        break;
      case 'step': {
        playing = false;
        if (!run || !advancePhase()) { status(); break; }
        const result = trainSteps(1);
        if (result) {
          run.wallMs += result.ms;
          afterSteps(result, performance.now(), true);
          advancePhase();
        }
        status();
        break;
      }
      case 'predict': {
        if (!run || !run.session) { post({ type: 'prediction', id: msg.id, none: true }); break; }
        post({ type: 'prediction', id: msg.id, ...scoreDigit(msg.pixels) });
        break;
      }
      case 'views':
        viewsOn = !!msg.on;
        if (viewsOn && run && run.session) postViews();
        break;
      case 'explain':
        explainIndex = msg.index | 0;
        if (run && run.session) postExplain();
        break;
      case 'save-weights':
        if (!run || !run.session) { post({ type: 'weights-file', none: true }); break; }
        post({ type: 'weights-file', bytes: run.session.saveWeights(), rule: run.config.rule, hidden: run.config.hidden });
        break;
      case 'load-weights':
        if (!run || !run.session) { post({ type: 'weights-loaded', ok: false, message: 'There is no model yet: wait for the data to load.' }); break; }
        try {
          run.session.loadWeights(msg.bytes, msg.name);
        } catch (e) {
          post({ type: 'weights-loaded', ok: false, name: e.name, message: e.message });
          break;
        }
        post({ type: 'weights-loaded', ok: true, message: `Loaded the weights from ${msg.name}.` });
        postWeights();
        postViews();
        break;
      default:
        break;
    }
  } catch (e) {
    post(errorMessage(e));
  }
};
