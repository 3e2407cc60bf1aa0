// The wasm module under Node: the bindings the web page uses, with real MNIST bytes.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { useMnist } = require('./wasm_module.js');

let Module;
let train;
let test10k;

useMnist(test, (loaded) => ({ Module, train, test: test10k } = loaded));

test('datasets load from IDX bytes', () => {
  assert.equal(train.count, 60000);
  assert.equal(test10k.count, 10000);
  assert.equal(train.features, 784);
  assert.equal(train.label(0), 5);
  assert.equal(test10k.image(0).length, 784);
});

test('a malformed IDX file becomes a DataError with the C++ message', () => {
  const bad = new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3]);
  const labels = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 1, 7]);
  assert.throws(() => Module.Dataset.fromIdx('upload', bad, labels), {
    name: 'DataError',
    message: 'upload images: truncated images file: the header promises 800 bytes, found 19',
  });
  assert.throws(() => Module.Dataset.fromIdx('upload', 'not bytes', labels), { message: /expected a Uint8Array/ });
});

test('a bad configuration becomes a ConfigError with the C++ message', () => {
  assert.throws(() => new Module.Session({ rule: 'bp', lr: -1 }, train, test10k), {
    name: 'ConfigError',
    message: 'learning rate must be a finite number in (0, 10], got -1',
  });
  assert.throws(() => new Module.Session({ hidden: [] }, train, test10k), { message: /hidden layers must not be empty/ });
  assert.throws(() => new Module.Session({ lr: '0.1' }, train, test10k), { message: 'lr must be a number, got string' });
  assert.throws(() => new Module.Session({ evil: 1 }, train, test10k), { message: "unknown configuration field 'evil'" });
  assert.throws(() => new Module.Session({ batch: 70000 }, train, test10k), { message: /larger than the 60000 training examples/ });
  assert.equal(Module.checkConfig({ rule: 'bp' }), '');
  assert.match(Module.checkConfig({ rule: 'nope' }), /unknown rule 'nope'/);
});

test('backprop trains, evaluates, predicts, and weights round-trip', () => {
  const config = { rule: 'bp', hidden: [64], batch: 32, lr: 2e-3, seed: 3, train_limit: 3200, test_limit: 500 };
  const session = new Module.Session(config, train, test10k);
  try {
    const m = session.train(100);
    assert.equal(m.stepsRun, 100);
    assert.equal(m.steps, 100);
    assert.equal(m.examples, 3200);
    assert.ok(Number.isFinite(m.loss) && m.loss > 0);
    const e = session.evaluate();
    assert.equal(e.count, 500);
    assert.ok(e.accuracy > 0.8, `accuracy ${e.accuracy}`);
    assert.equal(session.lastBatchIndices().length, 32);

    const pixels = new Float32Array(2 * 784);
    pixels.set(Array.from(test10k.image(0), (v) => v / 255), 0);
    pixels.set(Array.from(test10k.image(1), (v) => v / 255), 784);
    const scores = session.predict(pixels);
    assert.equal(scores.length, 20);

    const params = session.parameters();
    assert.deepEqual(params.map((p) => p.name), ['layer1.weight', 'layer1.bias', 'layer2.weight', 'layer2.bias']);
    assert.equal(session.weightsView(0).length, 784 * 64);

    const saved = session.saveWeights();
    const fresh = new Module.Session({ ...config, seed: 9 }, train, test10k);
    try {
      assert.notDeepEqual(Array.from(fresh.predict(pixels)), Array.from(scores));
      fresh.loadWeights(saved, 'saved.bin');
      assert.deepEqual(Array.from(fresh.predict(pixels)), Array.from(scores));
      const corrupt = saved.slice(0, 100);
      assert.throws(() => fresh.loadWeights(corrupt, 'corrupt.bin'), { name: 'WeightsError', message: /corrupt.bin: truncated weights file/ });
      assert.deepEqual(Array.from(fresh.predict(pixels)), Array.from(scores), 'a corrupt file keeps the model');
    } finally {
      fresh.delete();
    }
  } finally {
    session.delete();
  }
});

test('a diverging learning rate stops with a DivergenceError that suggests a fix', () => {
  const session = new Module.Session({ rule: 'bp', hidden: [256, 256, 256], optimizer: 'sgd', lr: 10, momentum: 0.9, train_limit: 2000 }, train, test10k);
  try {
    assert.throws(() => session.train(200), { name: 'DivergenceError', message: /training diverged at step \d+: .* try 1 and reset/ });
  } finally {
    session.delete();
  }
});
