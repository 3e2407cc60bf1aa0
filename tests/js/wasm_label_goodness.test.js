// The labelGoodness binding (Forward-Forward's prediction explained) under Node: the goodness per
// label summed over the counted layers is exactly the score predict() returns, so its argmax is
// the prediction; other rules refuse it with a clear message.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { useMnist } = require('./wasm_module.js');

let Module;
let train;
let test10k;

useMnist(test, (loaded) => ({ Module, train, test: test10k } = loaded));

function pixelsOf(data, n) {
  const out = new Float32Array(n * 784);
  for (let i = 0; i < n; i++) {
    const img = data.image(i);
    for (let j = 0; j < 784; j++) out[i * 784 + j] = img[j] / 255;
  }
  return out;
}

test('FF: per-layer label goodness sums to predict()\'s scores', () => {
  const s = new Module.Session({ rule: 'ff', hidden: [64, 64], batch: 50, seed: 3 }, train, test10k);
  try {
    s.train(30);
    const n = 5;
    const pixels = pixelsOf(test10k, n);
    const g = s.labelGoodness(pixels);
    const scores = s.predict(pixels);
    assert.equal(g.layers.length, 2);
    assert.ok(g.counted.length >= 1);
    for (const l of g.layers) assert.equal(l.length, n * 10);
    for (let i = 0; i < n * 10; i++) {
      const sum = g.counted.reduce((a, l) => a + g.layers[l][i], 0);
      assert.ok(Math.abs(sum - scores[i]) <= 1e-4 * Math.max(1, Math.abs(sum)), `${sum} vs ${scores[i]}`);
    }
    assert.throws(() => s.labelGoodness(new Float32Array(100)), { message: /multiple of 784/ });
  } finally {
    s.delete();
  }
});

test('FF: the page\'s float sum of the counted layers is exactly predict()\'s scores (3 hidden layers)', () => {
  // web/js/worker.js (ffScores) builds the scores from labelGoodness this way instead of running
  // predict() as well.
  const s = new Module.Session({ rule: 'ff', hidden: [48, 48, 48], batch: 50, seed: 4 }, train, test10k);
  try {
    s.train(20);
    const n = 20;
    const pixels = pixelsOf(test10k, n);
    const g = s.labelGoodness(pixels);
    const scores = s.predict(pixels);
    assert.deepEqual(g.counted, [1, 2]);
    const sum = new Float32Array(n * 10);
    for (const l of g.counted) for (let k = 0; k < n * 10; k++) sum[k] = Math.fround(sum[k] + g.layers[l][k]);
    assert.deepEqual(Array.from(sum), Array.from(scores));
  } finally {
    s.delete();
  }
});

test('labelGoodness refuses rules other than supervised FF', () => {
  const s = new Module.Session({ rule: 'bp', hidden: [16], batch: 10 }, train, test10k);
  try {
    assert.throws(() => s.labelGoodness(new Float32Array(784)), { message: /needs the supervised rule ff/ });
  } finally {
    s.delete();
  }
});
