// The drawn-digit preprocessing (web/js/digit_preprocess.js): MNIST's recipe of a 20x20 box,
// aspect ratio kept, centre of mass at the centre of 28x28; a blank canvas gives a blank image.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { pathToFileURL } = require('url');

let P;
test.before(async () => {
  P = await import(pathToFileURL(path.join(__dirname, '..', '..', 'web', 'js', 'digit_preprocess.js')).href);
});

// A w x h canvas with filled rectangles [x, y, width, height] of full ink.
function canvas(w, h, rects) {
  const ink = new Float32Array(w * h);
  for (const [rx, ry, rw, rh] of rects) {
    for (let y = ry; y < ry + rh; y++) for (let x = rx; x < rx + rw; x++) ink[y * w + x] = 1;
  }
  return ink;
}

function extent(pixels) {
  let x0 = 28, y0 = 28, x1 = -1, y1 = -1;
  for (let i = 0; i < 784; i++) {
    if (pixels[i] > 0) {
      const x = i % 28, y = Math.floor(i / 28);
      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    }
  }
  return { width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

test('a blank canvas gives a blank image and says so', () => {
  const r = P.preprocessDigit(new Float32Array(280 * 280), 280, 280);
  assert.equal(r.empty, true);
  assert.equal(r.pixels.length, 784);
  assert.ok(r.pixels.every((v) => v === 0));
});

test('the centre of mass lands at the centre, wherever the digit was drawn', () => {
  // An off-centre "7": a top bar and a slanted-ish stem, drawn in a corner.
  const ink = canvas(280, 280, [[10, 10, 120, 20], [100, 10, 20, 150]]);
  const r = P.preprocessDigit(ink, 280, 280);
  assert.equal(r.empty, false);
  const com = P.centreOfMass(r.pixels, 28, 28);
  assert.ok(Math.abs(com.x - 14) <= 0.5, `x ${com.x}`);
  assert.ok(Math.abs(com.y - 14) <= 0.5, `y ${com.y}`);
  for (const v of r.pixels) assert.ok(v >= 0 && v <= 1);
});

test('the bounding box fits 20x20 with the aspect ratio kept', () => {
  const tall = P.preprocessDigit(canvas(300, 300, [[140, 20, 20, 260]]), 300, 300);  // a "1"
  const e = extent(tall.pixels);
  assert.equal(e.height, 20);
  assert.ok(e.width <= 3, `width ${e.width}`);
  const wide = P.preprocessDigit(canvas(300, 300, [[20, 100, 200, 100]]), 300, 300);
  const f = extent(wide.pixels);
  assert.equal(f.width, 20);
  assert.equal(f.height, 10);
  // A small digit is scaled up to the box, too.
  const small = P.preprocessDigit(canvas(100, 100, [[40, 40, 5, 10]]), 100, 100);
  assert.equal(extent(small.pixels).height, 20);
});

test('area averaging anti-aliases: edges take intermediate values, bars thinner than a pixel are grey', () => {
  // An "L" of 7 px bars in a 280 px box: each output pixel covers 14 px, so the bars are half-ink.
  const r = P.preprocessDigit(canvas(280, 280, [[0, 0, 7, 280], [0, 273, 280, 7]]), 280, 280);
  const values = [...r.pixels].filter((v) => v > 0);
  assert.ok(values.some((v) => Math.abs(v - 0.5) < 1e-6), 'half-coverage pixels');
});
