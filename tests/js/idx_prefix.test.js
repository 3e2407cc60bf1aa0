// web/js/idx_prefix.js: complete IDX files from the first items of a file still arriving.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const vm = require('vm');

const root = path.resolve(__dirname, '..', '..');
const sandbox = { self: {} };
vm.runInNewContext(fs.readFileSync(path.join(root, 'web', 'js', 'idx_prefix.js'), 'utf8'), sandbox);
const { readIdxHeader, idxPrefix, itemsAvailable } = sandbox.self.FwdlabIdx;

function idxImages(count, rows, cols) {
  const bytes = new Uint8Array(16 + count * rows * cols);
  const dv = new DataView(bytes.buffer);
  dv.setUint32(0, 0x803);
  dv.setUint32(4, count);
  dv.setUint32(8, rows);
  dv.setUint32(12, cols);
  for (let i = 16; i < bytes.length; i++) bytes[i] = i % 251;
  return bytes;
}

test('reads headers, and waits for a partial one', () => {
  const f = idxImages(5, 2, 3);
  assert.equal(readIdxHeader(f, 3), null);
  assert.equal(readIdxHeader(f, 12), null);
  const h = readIdxHeader(f, 16);
  assert.equal(h.count, 5);
  assert.equal(h.itemSize, 6);
  assert.equal(h.headerLength, 16);
  assert.throws(() => readIdxHeader(new Uint8Array([1, 2, 3, 4])), /magic/);
});

test('a prefix is a complete IDX file with the count rewritten', () => {
  const f = idxImages(5, 2, 3);
  const p = idxPrefix(f, 2, 16 + 2 * 6);
  assert.equal(p.length, 16 + 12);
  assert.equal(new DataView(p.buffer).getUint32(4), 2);
  assert.deepEqual([...p.subarray(8, 16)], [...f.subarray(8, 16)]);
  assert.deepEqual([...p.subarray(16)], [...f.subarray(16, 28)]);
  assert.equal(new DataView(f.buffer).getUint32(4), 5, 'the source is untouched');
  assert.throws(() => idxPrefix(f, 3, 16 + 2 * 6 + 5), /only 2 items have arrived/);
  assert.throws(() => idxPrefix(f, 6), /cannot take 6 of 5/);
  assert.equal(itemsAvailable(f, 16 + 17), 2);
  assert.equal(itemsAvailable(f, 10), 0);
});

test('a prefix of the real MNIST training images parses as the same images', () => {
  const file = path.join(root, 'data', 'mnist', 'train-images-idx3-ubyte');
  if (!fs.existsSync(file)) return;  // scripts/test runs prepare-data first
  const f = new Uint8Array(fs.readFileSync(file));
  const p = idxPrefix(f, 10000, 16 + 10000 * 784 + 100);
  assert.equal(p.length, 16 + 10000 * 784);
  assert.equal(readIdxHeader(p).count, 10000);
});

test('a header that is not IDX bytes is refused with a reason (the page shows it, after the file name)', () => {
  assert.throws(() => readIdxHeader(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0])), /not an IDX file of bytes \(bad magic number\)/);
  assert.throws(() => readIdxHeader(new Uint8Array([0, 0, 8, 7, 0, 0, 0, 1])), /IDX file with 7 dimensions; expected 1 to 3/);
  assert.throws(() => itemsAvailable(new Uint8Array([0, 0, 9, 3]), 4), /bad magic number/);
});
