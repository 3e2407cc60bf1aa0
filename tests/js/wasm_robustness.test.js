// Bad input and broken training through the wasm bindings, as the page's worker meets them: each
// C++ error arrives as a JavaScript Error named after its kind, with the C++ message unchanged.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { useMnist } = require('./wasm_module.js');

let Module;
let train;
let test10k;

useMnist(test, (loaded) => ({ Module, train, test: test10k } = loaded));

function withSession(config, body) {
  const session = new Module.Session(config, train, test10k);
  try {
    return body(session);
  } finally {
    session.delete();
  }
}

test('a network whose ReLUs all died stops with a DivergenceError that says it stalled', () => {
  // lr 1: at lr 10 the loss-growth check stops the run first (step 2), before the units die.
  withSession({ rule: 'bp', hidden: [64, 64], batch: 32, optimizer: 'sgd', lr: 1, seed: 3, train_limit: 2000 }, (s) => {
    assert.throws(() => s.train(500), {
      name: 'DivergenceError',
      message: /^training stalled at step \d+: the network's outputs no longer depend on its input .* try 0\.1 and reset\.$/,
    });
  });
});

test('a rule whose loss blows up stops at that step with a DivergenceError', () => {
  withSession({ rule: 'fga', hidden: [64, 64], batch: 32, optimizer: 'sgd', lr: 10, seed: 3, train_limit: 2000 }, (s) => {
    assert.throws(() => s.train(500), {
      name: 'DivergenceError',
      message: /^training diverged at step 2: the loss grew from [0-9.]+ to [0-9.e+]+ \(over 100 times\)\. The learning rate 10 is too large for rule fga; try 1 and reset\.$/,
    });
  });
});

test('a network too large to train is a ConfigError before anything is allocated', () => {
  const before = Module.HEAP8.buffer.byteLength;
  assert.match(Module.checkConfig({ hidden: [16384, 16384] }), /the network would have 281477130 weights/);
  assert.throws(() => new Module.Session({ hidden: [16384, 16384] }, train, test10k), { name: 'ConfigError' });
  assert.equal(Module.HEAP8.buffer.byteLength, before);
});

test('hostile weights files are WeightsErrors and leave the model as it was', () => {
  withSession({ rule: 'bp', hidden: [16, 8], seed: 1, train_limit: 640 }, (s) => {
    s.train(5);
    const good = s.saveWeights();
    const before = s.weightsView(0).slice();
    const u32 = (bytes, at, v) => { const t = bytes.slice(); new DataView(t.buffer).setUint32(at, v, true); return t; };
    const cases = [
      ['empty', new Uint8Array(0), /truncated weights file: needed 8 more bytes for the magic number at offset 0/],
      ['truncated', good.slice(0, good.length - 100), /truncated weights file: needed \d+ more bytes for tensor values/],
      ['wrong magic', new TextEncoder().encode('GIF89a...........'), /not a Forward Lab weights file/],
      ['wrong version', u32(good, 8, 7), /weights file version 7 is not supported; this build reads version 1/],
      ['rule name 4 GB long', u32(good, 12, 0xffffffff), /the rule name is 4294967295 bytes long; at most 64 expected/],
      ['2^31 hidden layers', u32(good, 22, 0x80000000), /the file claims 2147483648 hidden layers; at most 16/],
      ['2^32-1 inputs', u32(good, 18, 0xffffffff), /the file claims an input size of 4294967295/],
      ['trailing bytes', new Uint8Array([...good, 1, 2, 3]), /3 unexpected bytes after the last tensor/],
    ];
    for (const [what, bytes, message] of cases) {
      assert.throws(() => s.loadWeights(bytes, 'upload.bin'), { name: 'WeightsError', message }, what);
    }
    assert.deepEqual(s.weightsView(0).slice(), before);
    withSession({ rule: 'bp', hidden: [16, 9], seed: 1, train_limit: 640 }, (other) => {
      assert.throws(() => other.loadWeights(good, 'upload.bin'), {
        name: 'WeightsError',
        message: /the weights are for rule bp with hidden layers 16,8 and 784 inputs, but the current model is rule bp with hidden layers 16,9/,
      });
    });
    assert.doesNotThrow(() => s.loadWeights(good, 'upload.bin'));
  });
});

test('malformed IDX bytes are DataErrors naming the file', () => {
  const labels = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 1, 7]);
  const image = (dims) => {
    const header = [0, 0, 8, 3];
    for (const d of dims) header.push(d >>> 24, (d >>> 16) & 255, (d >>> 8) & 255, d & 255);
    return new Uint8Array([...header, ...new Array(Math.min(dims.reduce((a, b) => a * b, 1), 4096)).fill(0)]);
  };
  const cases = [
    ['gzip bytes', new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]), labels, /upload images: wrong magic number for an IDX images file: expected 0x00000803, found 0x1f8b0800/],
    ['overflowing sizes', image([0xffffffff, 0xffffffff, 0xffffffff]).slice(0, 16), labels, /the size would overflow/],
    ['not 28x28', image([1, 32, 32]), labels, /upload images: expected 28x28 images, found 32x32/],
    ['count mismatch', image([2, 28, 28]), labels, /upload: image\/label count mismatch: 2 images but 1 labels/],
    ['label above 9', image([1, 28, 28]), new Uint8Array([0, 0, 8, 1, 0, 0, 0, 1, 12]), /upload labels: label 0 is 12; expected a class in 0..9/],
  ];
  for (const [what, images, l, message] of cases) {
    assert.throws(() => Module.Dataset.fromIdx('upload', images, l), { name: 'DataError', message }, what);
  }
  assert.equal(Module.mallocStats().datasets, 2);  // only train and test10k are alive
});

test('NaN, infinities and huge numbers in integer fields are ConfigErrors', () => {
  for (const value of [NaN, Infinity, -Infinity, 1e300, 2 ** 31, 2.5]) {
    assert.throws(() => new Module.Session({ epochs: value }, train, test10k), { name: 'ConfigError', message: /^epochs must be an integer, got / }, String(value));
    assert.throws(() => new Module.Session({ hidden: [value] }, train, test10k), { name: 'ConfigError', message: /^hidden layer size must be an integer/ }, String(value));
    assert.throws(() => new Module.Session({ seed: value }, train, test10k), { name: 'ConfigError', message: 'seed must be an integer in 0..2147483647' }, String(value));
  }
  assert.throws(() => new Module.Session({ lr: NaN }, train, test10k), { name: 'ConfigError', message: 'learning rate must be a finite number in (0, 10], got nan' });
  assert.throws(() => new Module.Session({ hidden: 'big' }, train, test10k), { name: 'ConfigError', message: 'hidden must be an array of layer sizes' });
  assert.throws(() => new Module.Session({ fga_skip_inactive: 1 }, train, test10k), { name: 'ConfigError', message: 'fga_skip_inactive must be true or false' });
  assert.throws(() => new Module.Session(null, train, test10k), { name: 'ConfigError', message: 'configuration must be an object' });
});
