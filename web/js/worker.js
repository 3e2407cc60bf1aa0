// The training worker (a classic worker script): owns the WebAssembly module, the data sets and
// the training session. It trains in short slices and posts metrics; the page only draws.
//
// Messages in:  {type:'init', base}            load the module from base + 'wasm/'
//               {type:'reset', config, runId, play}  drop the current run, prepare a new one
//               {type:'stop', runId}           drop the current run
//               {type:'play'} {type:'pause'} {type:'step'}
//               {type:'predict', id, pixels}   class scores of a drawn digit (Float32Array 784)
//               {type:'views', on, weights}    inside views (confusion, mistakes, explain) and
//                                              the first-layer weights on/off
//               {type:'explain', index}        which view-set test digit to explain
//               {type:'save-weights'} {type:'load-weights', bytes, name}
//               {type:'reset', ..., resume: {bytes, examples, wallSeconds, trainSeconds}}: a run
//               that starts from saved weights and counts on from a snapshot (after a crash)
//               {type:'test-fault', kind}    tests only (init with testHooks): 'abort' makes the
//               next training slice fail the way an aborted wasm module does, 'exit' ends the worker
//               {type:'eval-port', port}       evaluate in eval_worker.js through port (null: here)
// Messages out: {type:'ready', rules, unavailable} {type:'progress', ...} {type:'status', ...}
//               {type:'metrics', ...} {type:'eval', ...} {type:'weights', units, pixels}
//               (the first metrics of a run also carries firstBatch: the indices of its first batch)
//               {type:'error', name, message} {type:'prediction', id, kind, scores, ...}
//               {type:'views', ...} {type:'explain', ...} {type:'weights-file', bytes}
//               {type:'weights-loaded', ok, message}
//               {type:'snapshot', bytes, examples, wallSeconds, trainSeconds}: the weights, at most
//               every SNAPSHOT_MS of training and at epoch ends (the page keeps the latest)
//               {type:'fatal', message}: the wasm module aborted or trapped; this worker is done
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

// This worker's Content-Security-Policy comes from its own response header. The browser shows
// a violation here only in DevTools; this puts it in the console too, where the browser tests
// (and anyone reading the console) see it.
self.addEventListener('securitypolicyviolation', (e) => {
  console.error(`CSP violation in the worker: ${e.violatedDirective} blocked ${e.blockedURI || 'inline code'}`);
});

// In a sandboxed iframe this worker runs from a blob: URL and so inherits the page's policy,
// Trusted Types included: importScripts then takes only what this policy lets through, our
// own three scripts (js/trusted_types.js is the page's counterpart).
if (self.trustedTypes && self.trustedTypes.createPolicy) {
  self.trustedTypes.createPolicy('default', {
    createScriptURL: (url) => ([`${base}js/idx_prefix.js`, `${base}js/confusion.js`, `${base}wasm/fwdlab_core.js`].includes(url) ? url : null),
  });
}

const WARMUP_EXAMPLES = 10000;
const QUICK_TEST = 1000;          // quick evaluations use the first 1000 test images
const SLICE_MS = 30;              // target length of one training slice
const POST_MS = 100;              // metrics are posted at most this often
const EVAL_SHARE = 0.12;          // quick evaluations take at most ~12% of the time
const VIEW_MAX = 300;             // the inside views look at the first 300 test images (FF: 100)
const VIEW_SHARE = 0.03;          // and take at most ~3% of the time,
const VIEW_EVERY_MS = 2000;       // at most every 2 s (drawing them costs the page too: docs/web.md)
const WEIGHTS_EVERY_MS = 3000;    // the first-layer weights, at most every 3 s
const GALLERY_MAX = 24;           // misclassified digits shown
const SNAPSHOT_MS = 5000;         // weights snapshots for a restart after a crash: at most this often
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
let weightsOn = true;      // the first-layer weights, posted while the page shows them
let explainIndex = 0;      // the view-set test digit the page explains

let runId = 0;             // the page's id of the current run, echoed in every message
function post(message) { self.postMessage({ runId, ...message }); }

function errorMessage(e) {
  return { type: 'error', name: (e && e.name) || 'Error', message: (e && e.message) || String(e) };
}

// --- data --------------------------------------------------------------------------------------

// A data file that could not be read: says which file and what went wrong, in words.
class DataFileError extends Error {
  constructor(file, reason) {
    super(`${file}: ${reason}`);
    this.name = 'DataError';
    this.file = file;
  }
}

// Streams url (gzip, or plain if the server already decoded it) into a buffer; calls
// onBytes(buffer, filled) as data arrive. Resolves with the complete buffer. Every failure is a
// DataFileError naming `file`: HTTP errors, a connection that drops, a gzip stream that breaks.
async function streamFile(url, file, expected, onBytes, reload) {
  let response;
  try {
    response = await fetch(url, reload ? { cache: 'reload' } : {});
  } catch (e) {
    throw new DataFileError(file, `the download failed (${e.message}); check the connection and retry`);
  }
  if (!response.ok) {
    throw new DataFileError(file, response.status === 404
      ? 'not found on the server (HTTP 404)' : `the server answered HTTP ${response.status} ${response.statusText}`.trim());
  }
  const raw = response.body.getReader();
  const count = { received: 0, unpacked: 0 };
  const read = async () => {
    try {
      const r = await raw.read();
      if (!r.done) count.received += r.value.length;
      return r;
    } catch (e) {
      throw new DataFileError(file, `the download broke off after ${count.received.toLocaleString('en-US')} bytes (${e.message})`);
    }
  };
  const first = await read();
  const restStream = new ReadableStream({
    start(controller) { if (!first.done) controller.enqueue(first.value); },
    async pull(controller) {
      try {
        const { done, value } = await read();
        if (done) controller.close(); else controller.enqueue(value);
      } catch (e) { controller.error(e); }
    },
  });
  const gz = !first.done && first.value.length >= 2 && first.value[0] === 0x1f && first.value[1] === 0x8b;
  const reader = (gz ? restStream.pipeThrough(new DecompressionStream('gzip')) : restStream).getReader();
  try {
    return await readAll(reader, file, expected, onBytes, count);
  } catch (e) {
    reader.cancel().catch(() => {});  // stop downloading a file that is of no use any more
    throw e;
  }
}

// The bytes of `reader` into one buffer (first sized `expected`, grown if needed).
async function readAll(reader, file, expected, onBytes, count) {
  let buffer = new Uint8Array(expected);
  for (;;) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch (e) {
      if (e instanceof DataFileError) throw e;
      // DecompressionStream fails on a stream that ends before the gzip trailer (a truncated
      // download) or on bytes that are not gzip.
      throw new DataFileError(file, `the compressed data are cut short or damaged after ${count.received.toLocaleString('en-US')} bytes `
        + `(${count.unpacked.toLocaleString('en-US')} bytes unpacked; ${e.message || e.name})`);
    }
    const { done, value } = chunk;
    if (done) break;
    if (count.unpacked + value.length > buffer.length) {
      const bigger = new Uint8Array(Math.max(buffer.length * 2, count.unpacked + value.length));
      bigger.set(buffer.subarray(0, count.unpacked));
      buffer = bigger;
    }
    buffer.set(value, count.unpacked);
    count.unpacked += value.length;
    onBytes(buffer, count.unpacked);  // may throw a DataFileError (a malformed header)
  }
  return count.unpacked === buffer.length ? buffer : buffer.slice(0, count.unpacked);
}

// Starts (or returns) the download of data set `name`. `reload` bypasses the HTTP cache (a retry
// after a failure must not get the same broken copy back).
function loadDataset(name, reload = false) {
  if (data[name]) return data[name];
  const d = { name, received: {}, test: null, slice: null, full: null, error: null, testLabels: null };
  data[name] = d;
  const dir = `${base}data/${name}/`;
  const total = Object.values(FILE_SIZES).reduce((a, b) => a + b, 0);
  const progress = () => {
    if (data[name] !== d) return;
    const got = Object.values(d.received).reduce((a, b) => a + b, 0);
    post({ type: 'progress', dataset: name, loaded: got, total, done: !!d.full });
  };
  const file = (f, onBytes) => streamFile(`${dir}${f}.gz`, `${f}.gz`, FILE_SIZES[f], (buf, filled) => {
    d.received[f] = filled;
    if (onBytes) onBytes(buf, filled);
    progress();
  }, reload);
  const notify = () => { if (data[name] === d) dataChanged(name); };
  const fail = (e) => { if (!d.error) { d.error = e; notify(); } };
  // The core's DataError names the data set and part ("mnist test images: ..."); add the files.
  const parse = (files, f) => {
    try { return f(); } catch (e) {
      e.message = `${files.join(' + ')}: ${e.message}`;
      throw e;
    }
  };

  const testLabels = file('t10k-labels-idx1-ubyte');
  const trainLabels = file('train-labels-idx1-ubyte');
  const testImages = file('t10k-images-idx3-ubyte');
  let sliceStarted = false;
  const trainImages = file('train-images-idx3-ubyte', (buf, filled) => {
    if (sliceStarted) return;
    let prefix;
    try {
      if (FwdlabIdx.itemsAvailable(buf, filled) < WARMUP_EXAMPLES) return;
      prefix = FwdlabIdx.idxPrefix(buf, WARMUP_EXAMPLES, filled);
    } catch (e) {
      throw new DataFileError('train-images-idx3-ubyte.gz', e.message);
    }
    sliceStarted = true;
    trainLabels.then((labels) => {
      d.slice = parse(['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'],
        () => Module.Dataset.fromIdx(`${name} train (first ${WARMUP_EXAMPLES})`, prefix, FwdlabIdx.idxPrefix(labels, WARMUP_EXAMPLES)));
      notify();
    }).catch(fail);
  });
  Promise.all([testImages, testLabels]).then(([images, labels]) => {
    d.test = parse(['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'], () => Module.Dataset.fromIdx(`${name} test`, images, labels));
    d.testLabels = d.test.labels();
    notify();
  }).catch(fail);
  Promise.all([trainImages, trainLabels]).then(([images, labels]) => {
    d.full = parse(['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'], () => Module.Dataset.fromIdx(`${name} train`, images, labels));
    progress();
    notify();
  }).catch(fail);
  return d;
}

// Drops a data set that failed to load (its parts that did load too), so the next run downloads
// it again.
function forgetDataset(name) {
  const d = data[name];
  if (!d) return;
  delete data[name];
  for (const part of ['test', 'slice', 'full']) if (d[part]) d[part].delete();
}

// --- the run -------------------------------------------------------------------------------------

// resume (optional): {bytes, examples, wallSeconds, trainSeconds} of a snapshot to start from.
function newRun(config, resume) {
  return {
    config,
    phase: 'loading',      // loading -> warmup -> (waiting) -> main -> finished | failed
    session: null,
    resume: resume || null,  // weights to load into the first session, then dropped
    stepsPerSlice: 4,
    examplesBefore: resume ? resume.examples : 0,  // examples seen by earlier phases (or runs)
    trainMs: resume ? resume.trainSeconds * 1000 : 0,  // time inside session.train
    wallMs: resume ? resume.wallSeconds * 1000 : 0,    // time while playing (training + evaluating)
    lastSnapshotWall: resume ? resume.wallSeconds * 1000 : 0,
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

// The module is unusable after an abort (Emscripten calls onAbort) or a trap (a
// WebAssembly.RuntimeError: unreachable, out-of-bounds access, ...): nothing more can run here.
let moduleDead = false;
function isFatal(e) {
  return moduleDead || (typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError);
}

function fail(e) {
  if (run) run.phase = 'failed';
  playing = false;
  if (isFatal(e)) {
    moduleDead = true;
    post({ type: 'fatal', message: (e && e.message) || String(e) });
    return;
  }
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
      if (run.resume) run.session.loadWeights(run.resume.bytes, 'the last saved weights');
      run.resume = null;
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
// FF: predict()'s scores from labelGoodness()'s layers, so the 10 label passes run once, not
// twice: the sum over the counted layers, rounded to float after each addition as the core's
// float sum is (tests/js/wasm_label_goodness.test.js holds the core to the same sum).
function ffScores(g, n) {
  const scores = new Float32Array(n * 10);
  for (const l of g.counted) {
    const layer = g.layers[l];
    for (let k = 0; k < n * 10; k++) scores[k] = Math.fround(scores[k] + layer[k]);
  }
  return scores;
}

function scoreDigit(pixels) {
  const s = run.session;
  if (run.config.rule === 'ff') {
    const g = s.labelGoodness(pixels);
    const scores = Array.from(ffScores(g, 1));
    return { rule: 'ff', predicted: argmax(scores), kind: 'goodness', scores, layers: g.layers.map((l) => Array.from(l)), counted: g.counted };
  }
  const scores = Array.from(s.predict(pixels));
  return { rule: run.config.rule, predicted: argmax(scores), kind: 'probability', scores: softmax(scores) };
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
    const ff = run.config.rule === 'ff';
    const n = ff ? Math.min(100, v.n) : v.n;
    const g = ff ? s.labelGoodness(v.pixels.subarray(0, n * 784)) : null;
    const scores = ff ? ffScores(g, n) : s.predict(v.pixels.subarray(0, n * 784));
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
    if (ff) {
      goodness = g.layers.map((layer) => {
        const pos = new Float32Array(n);
        const neg = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          const y = v.labels[i];
          pos[i] = layer[i * 10 + y];
          neg[i] = layer[i * 10 + ((y + 1 + (i % 9)) % 10)];
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

// At an epoch end: the confusion matrix on the whole test set, from the labels the full
// evaluation just predicted (e.predicted, one Uint8Array; its accuracy counted the same labels),
// so no test image is predicted twice. Cheap (10,000 increments): posted with the views on or off.
function postFullConfusion(e, epoch) {
  const d = data[run.config.dataset];
  const t = e && d && FwdlabConfusion.tallyConfusion(e.predicted, d.testLabels, e.count);
  if (!t) return;
  post({ type: 'views-full', count: e.count, correct: t.correct, confusion: t.confusion, epoch, examples: run.examplesBefore + run.session.examplesSeen });
}

// Evaluates (full: the whole test set, else the first QUICK_TEST images) and posts the figures.
// Returns {ms, e}, or null after a failure.
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
  if (evalPort) {
    // The evaluation worker posts the figures (and, for a full one, the confusion matrix).
    const ms = offloadEvaluation(full);
    return ms === undefined ? null : { ms, e: null };
  }
  const t0 = performance.now();
  let e;
  try {
    e = full ? run.session.evaluate() : run.session.evaluateFirst(QUICK_TEST);
  } catch (err) { fail(err); return null; }
  const ms = performance.now() - t0;
  if (!full) run.evalCostMs = ms;
  post({
    type: 'eval', full, phase: run.phase,
    examples: run.examplesBefore + run.session.examplesSeen,
    epoch: run.phase === 'main' ? run.session.steps / run.session.stepsPerEpoch : 0,
    accuracy: e.accuracy, loss: e.loss, count: e.count, figures: e.figures,
    trainSeconds: run.trainMs / 1000, wallSeconds: run.wallMs / 1000, evalMs: ms,
  });
  return { ms, e };
}

// The weights, for the page to restart from if this worker dies: at most every SNAPSHOT_MS of
// training time, and at epoch ends (`force`). Sent right after an evaluation, so the snapshot
// matches the last accuracy the page shows. The bytes are transferred, not copied.
function postSnapshot(force) {
  if (!run || !run.session || run.resume) return;
  if (!force && run.wallMs - run.lastSnapshotWall < SNAPSHOT_MS) return;
  let bytes;
  try { bytes = run.session.saveWeights(); } catch (e) { return; }
  run.lastSnapshotWall = run.wallMs;
  self.postMessage({
    runId, type: 'snapshot', bytes,
    examples: run.examplesBefore + run.session.examplesSeen,
    wallSeconds: run.wallMs / 1000, trainSeconds: run.trainMs / 1000,
  }, [bytes.buffer]);
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
    if (testFault === 'abort') {
      // Tests only: what an aborted module does (Emscripten: onAbort, then a RuntimeError).
      testFault = null;
      onModuleAbort('test hook');
      throw new WebAssembly.RuntimeError('Aborted(test hook)');
    }
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
  if (weightsOn && (forcePost || run.wallMs - run.lastWeightsWall >= WEIGHTS_EVERY_MS)) postWeights();
  if (viewsOn && (forcePost || run.wallMs - run.lastViewsWall >= Math.max(VIEW_EVERY_MS, run.viewsCostMs / VIEW_SHARE))) {
    run.wallMs += postViews();
  }
  const spe = run.session.stepsPerEpoch;
  const epochEnd = run.phase === 'main' && m.steps % spe === 0 && m.steps / spe !== run.lastEpochEvaluated;
  if (epochEnd) {
    run.lastEpochEvaluated = m.steps / spe;
    postMetrics(now, m);
    const r = evaluate(true);
    if (!r) return;
    run.wallMs += r.ms;
    postFullConfusion(r.e, run.lastEpochEvaluated);
    postSnapshot(true);
    run.lastEvalWall = run.wallMs;
    return;
  }
  // A quick evaluation when the last one is at least 1 s old and evaluations stay cheap.
  const gap = Math.max(1000, run.evalCostMs / EVAL_SHARE);
  if (run.wallMs - run.lastEvalWall >= gap || forcePost) {
    const r = evaluate(false);
    if (!r) return;
    run.wallMs += r.ms;
    run.lastEvalWall = run.wallMs;
    postSnapshot(false);
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

let testHooks = false;     // set by the page only when a browser test asks for it
let testFault = null;
function onModuleAbort() { moduleDead = true; }

async function init(message) {
  base = message.base;
  testHooks = !!message.testHooks;
  importScripts(`${base}js/idx_prefix.js`, `${base}js/confusion.js`, `${base}wasm/fwdlab_core.js`);
  Module = await createFwdlabModule({ locateFile: (f) => `${base}wasm/${f}`, onAbort: onModuleAbort });
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
  if (moduleDead) {  // nothing can run any more; the page restarts a new worker
    post({ type: 'fatal', message: 'the WebAssembly module has stopped' });
    return;
  }
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
        run = newRun(msg.config, msg.resume);
        const failed = data[msg.config.dataset] && data[msg.config.dataset].error;
        if (failed) forgetDataset(msg.config.dataset);  // a retry downloads it again
        loadDataset(msg.config.dataset, !!failed);
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
        // A failed run (e.g. diverged: its weights may be NaN) predicts nothing.
        if (!run || !run.session || run.phase === 'failed') { post({ type: 'prediction', id: msg.id, none: true }); break; }
        post({ type: 'prediction', id: msg.id, ...scoreDigit(msg.pixels) });
        break;
      }
      case 'views': {
        const live = run && run.session && run.phase !== 'failed';
        if (msg.weights !== undefined) {
          weightsOn = !!msg.weights;
          if (weightsOn && live) postWeights();
        }
        viewsOn = !!msg.on;
        if (viewsOn && live) postViews();
        break;
      }
      case 'explain':
        explainIndex = msg.index | 0;
        if (run && run.session && run.phase !== 'failed') postExplain();
        break;
      case 'test-fault':
        if (!testHooks) break;
        if (msg.kind === 'exit') self.close();  // the worker disappears without a word
        else testFault = msg.kind;
        break;
      case 'save-weights':
        if (run && run.phase === 'failed') {
          post({ type: 'weights-file', none: true, message: 'This run has stopped, so its weights are not saved (they may not be finite numbers). Press Reset to start a new model.' });
          break;
        }
        if (!run || !run.session) { post({ type: 'weights-file', none: true }); break; }
        post({ type: 'weights-file', bytes: run.session.saveWeights(), rule: run.config.rule, hidden: run.config.hidden });
        break;
      case 'load-weights':
        if (!run || !run.session) { post({ type: 'weights-loaded', ok: false, message: 'There is no model yet: wait for the data to load.' }); break; }
        if (run.phase === 'failed') { post({ type: 'weights-loaded', ok: false, message: 'This run has stopped: press Reset, then load the weights.' }); break; }
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
    if (isFatal(e)) fail(e); else post(errorMessage(e));
  }
};
