// web/js/confusion.js: the confusion matrix both workers post after a full evaluation.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const vm = require('vm');

const root = path.resolve(__dirname, '..', '..');
const sandbox = { self: {}, Uint32Array };
vm.runInNewContext(fs.readFileSync(path.join(root, 'web', 'js', 'confusion.js'), 'utf8'), sandbox);
const { tallyConfusion } = sandbox.self.FwdlabConfusion;

test('counts each (true, predicted) pair in row true, column predicted', () => {
  const labels = Uint8Array.from([3, 3, 7, 0, 9, 3]);
  const predicted = Int32Array.from([3, 8, 7, 0, 4, 3]);
  const t = tallyConfusion(predicted, labels, 6);
  assert.equal(t.correct, 4);
  assert.equal(t.confusion.length, 100);
  assert.equal(t.confusion[3 * 10 + 3], 2);
  assert.equal(t.confusion[3 * 10 + 8], 1);
  assert.equal(t.confusion[7 * 10 + 7], 1);
  assert.equal(t.confusion[0], 1);
  assert.equal(t.confusion[9 * 10 + 4], 1);
  assert.equal(t.confusion.reduce((a, b) => a + b, 0), 6);
});

test('agrees with an independent count on random predictions', () => {
  let seed = 12345;
  const rand10 = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % 10; };
  const n = 1000;
  const labels = Uint8Array.from({ length: n + 5 }, rand10);   // the test set may be longer
  const predicted = Int32Array.from({ length: n }, rand10);
  const t = tallyConfusion(predicted, labels, n);
  for (let truth = 0; truth < 10; truth++) {
    for (let p = 0; p < 10; p++) {
      let expected = 0;
      for (let i = 0; i < n; i++) if (labels[i] === truth && predicted[i] === p) expected++;
      assert.equal(t.confusion[truth * 10 + p], expected);
    }
  }
  assert.equal(t.correct, [...predicted].filter((p, i) => p === labels[i]).length);
});

test('refuses predictions that do not cover the count, or more examples than labels', () => {
  const labels = Uint8Array.from([1, 2, 3]);
  assert.equal(tallyConfusion(Int32Array.from([1, 2]), labels, 3), null);
  assert.equal(tallyConfusion(Int32Array.from([1, 2, 3, 4]), labels, 4), null);
  assert.equal(tallyConfusion(undefined, labels, 3), null);
  assert.equal(tallyConfusion(Int32Array.from([1, 2, 3]), undefined, 3), null);
});
