// The evaluation worker (a classic worker script): evaluates weight snapshots of the training run
// on the test set with its own copy of the WebAssembly module and of the test set, so that
// training never stops for an evaluation and the evaluation uses the second core.
//
// Messages in:  {type:'init', base, port}   load the module from base + 'wasm/'; snapshots arrive
//                                            on `port` (a MessagePort whose other end the training
//                                            worker holds)
// On the port:  {type:'evaluate', runId, config, weights, full, ...}  weights: the bytes of
//                                            Session.saveWeights(); the other fields are echoed
//               answers {type:'evaluated', runId} when done (the trainer sends at most one quick
//               evaluation at a time), or {type:'eval-failed', message} (the trainer then
//               evaluates by itself again)
// Messages out (to the page, the same as the training worker's): {type:'eval', runId, full,
//               phase, examples, epoch, accuracy, loss, count, figures, trainSeconds,
//               wallSeconds, evalMs}
'use strict';

const QUICK_TEST = 1000;  // quick evaluations use the first 1000 test images (as worker.js)

let Module = null;
let base = '';

// Where the page's Trusted Types reach this worker (a blob: worker in a sandboxed iframe),
// importScripts takes only our two scripts (as worker.js; js/trusted_types.js is the page's side).
if (self.trustedTypes && self.trustedTypes.createPolicy) {
  self.trustedTypes.createPolicy('default', {
    createScriptURL: (url) => ([`${base}js/confusion.js`, `${base}wasm/fwdlab_core.js`].includes(url) ? url : null),
  });
}
let port = null;
const tests = {};         // dataset name -> Promise of its Module.Dataset (test split)
let model = null;         // {key, session}: one Session per model shape, reused across snapshots
const queue = [];         // snapshots waiting (an earlier run's are dropped when a newer run's arrive)
let busy = false;
self.evaluations = 0;       // snapshots evaluated so far (read by the browser tests)

// The whole file at url, gunzipped unless the server already decoded it.
async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function testSet(name) {
  if (!tests[name]) {
    const dir = `${base}data/${name}/`;
    tests[name] = Promise.all([fetchBytes(`${dir}t10k-images-idx3-ubyte.gz`), fetchBytes(`${dir}t10k-labels-idx1-ubyte.gz`)])
      .then(([images, labels]) => Module.Dataset.fromIdx(`${name} test`, images, labels));
  }
  return tests[name];
}

// A Session of the snapshot's model shape (rule, layers, data set); the test set doubles as its
// training set, which it never trains on.
async function sessionFor(config) {
  const key = JSON.stringify(config);
  if (model && model.key === key) return model.session;
  if (model) model.session.delete();
  model = null;
  const test = await testSet(config.dataset);
  model = { key, session: new Module.Session(config, test, test) };
  return model.session;
}

async function evaluate(s) {
  const session = await sessionFor(s.config);
  session.loadWeights(s.weights, 'evaluation snapshot');
  const t0 = performance.now();
  const e = s.full ? session.evaluate() : session.evaluateFirst(QUICK_TEST);
  const evalMs = performance.now() - t0;
  self.postMessage({
    type: 'eval', runId: s.runId, full: s.full, phase: s.phase, examples: s.examples, epoch: s.epoch,
    accuracy: e.accuracy, loss: e.loss, count: e.count, figures: e.figures,
    trainSeconds: s.trainSeconds, wallSeconds: s.wallSeconds, evalMs,
  });
  if (s.full) postFullConfusion(s, e, await testSet(s.config.dataset));
  self.evaluations++;
}

// The whole-test-set confusion matrix from the labels the evaluation predicted (its accuracy
// counted the same labels), as worker.js does when it evaluates by itself.
function postFullConfusion(s, e, test) {
  const t = FwdlabConfusion.tallyConfusion(e.predicted, test.labels(), e.count);
  if (!t) return;
  self.postMessage({ type: 'views-full', runId: s.runId, count: e.count, correct: t.correct, confusion: t.confusion, epoch: Math.round(s.epoch), examples: s.examples });
}

async function drain() {
  if (busy) return;
  busy = true;
  while (queue.length) {
    const s = queue.shift();
    try {
      await evaluate(s);
      port.postMessage({ type: 'evaluated', runId: s.runId, full: s.full });
    } catch (e) {
      console.error(`evaluation worker: ${e.message}`);
      port.postMessage({ type: 'eval-failed', runId: s.runId, message: e.message || String(e) });
      queue.length = 0;
    }
  }
  busy = false;
}

self.onmessage = async ({ data: msg }) => {
  if (msg.type !== 'init') return;
  base = msg.base;
  port = msg.port;
  try {
    importScripts(`${base}js/confusion.js`, `${base}wasm/fwdlab_core.js`);
    Module = await createFwdlabModule({ locateFile: (f) => `${base}wasm/${f}` });
  } catch (e) {
    port.postMessage({ type: 'eval-failed', message: `the evaluation worker could not start: ${e.message}` });
    return;
  }
  port.onmessage = ({ data }) => {
    if (data.type !== 'evaluate') return;
    // A newer run makes older snapshots pointless; the trainer still hears they are done (it
    // sends no quick evaluation while one is unanswered).
    for (let i = queue.length - 1; i >= 0; i--) {
      if (queue[i].runId === data.runId) continue;
      port.postMessage({ type: 'evaluated', runId: queue[i].runId, full: queue[i].full, dropped: true });
      queue.splice(i, 1);
    }
    queue.push(data);
    drain();
  };
  port.postMessage({ type: 'eval-ready' });
};
