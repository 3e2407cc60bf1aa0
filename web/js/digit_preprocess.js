// A drawn digit made to look like an MNIST digit (LeCun et al.): the ink's bounding box is scaled
// to fit a 20x20 box (aspect ratio kept, area-averaged so edges are anti-aliased), then placed in
// a 28x28 image so that its centre of mass sits at the image centre. Pure: no DOM, no globals.
//
//   const { pixels, empty } = preprocessDigit(ink, width, height);
//   // ink: width*height values in [0, 1] (1 = full ink), row-major; pixels: Float32Array(784)

export const SIZE = 28;
export const BOX = 20;
const THRESHOLD = 0.05;  // ink below this is ignored when finding the bounding box

// The bounding box {x0, y0, x1, y1} (x1, y1 exclusive) of values above THRESHOLD, or null.
export function inkBox(ink, width, height) {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (ink[row + x] > THRESHOLD) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}

// Area-average resampling of n source cells into m target cells: weights[t] = [[source, w], ...].
function areaWeights(n, m) {
  const scale = n / m;
  const out = [];
  for (let t = 0; t < m; t++) {
    const a = t * scale;
    const b = (t + 1) * scale;
    const cells = [];
    for (let s = Math.floor(a); s < Math.min(n, Math.ceil(b)); s++) {
      const w = Math.min(b, s + 1) - Math.max(a, s);
      if (w > 0) cells.push([s, w / scale]);
    }
    out.push(cells);
  }
  return out;
}

// Centre of mass {x, y} of a w x h image, pixel centres at i + 0.5; null when it is blank.
export function centreOfMass(img, w, h) {
  let sum = 0, sx = 0, sy = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = img[y * w + x];
      sum += v;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
    }
  }
  return sum > 0 ? { x: sx / sum, y: sy / sum } : null;
}

export function preprocessDigit(ink, width, height) {
  const pixels = new Float32Array(SIZE * SIZE);
  const box = inkBox(ink, width, height);
  if (!box) return { pixels, empty: true };
  const bw = box.x1 - box.x0;
  const bh = box.y1 - box.y0;
  const scale = BOX / Math.max(bw, bh);
  const ow = Math.max(1, Math.min(BOX, Math.round(bw * scale)));
  const oh = Math.max(1, Math.min(BOX, Math.round(bh * scale)));
  // Separable area averaging: columns first (bh x ow), then rows (oh x ow).
  const wx = areaWeights(bw, ow);
  const wy = areaWeights(bh, oh);
  const tmp = new Float32Array(bh * ow);
  for (let y = 0; y < bh; y++) {
    const row = (box.y0 + y) * width + box.x0;
    for (let t = 0; t < ow; t++) {
      let v = 0;
      for (const [s, w] of wx[t]) v += w * ink[row + s];
      tmp[y * ow + t] = v;
    }
  }
  const small = new Float32Array(oh * ow);
  for (let t = 0; t < oh; t++) {
    for (const [s, w] of wy[t]) {
      for (let x = 0; x < ow; x++) small[t * ow + x] += w * tmp[s * ow + x];
    }
  }
  for (let i = 0; i < small.length; i++) small[i] = Math.min(1, Math.max(0, small[i]));
  // Shift so the centre of mass lands at (14, 14), keeping the whole digit inside the image.
  const com = centreOfMass(small, ow, oh);
  if (!com) return { pixels, empty: true };
  const ox = Math.min(SIZE - ow, Math.max(0, Math.round(SIZE / 2 - com.x)));
  const oy = Math.min(SIZE - oh, Math.max(0, Math.round(SIZE / 2 - com.y)));
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) pixels[(oy + y) * SIZE + ox + x] = small[y * ow + x];
  }
  return { pixels, empty: false, box: { x: ox, y: oy, width: ow, height: oh } };
}
