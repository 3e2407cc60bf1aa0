// What the page shows of the model's inside: the drawing pad and its live prediction, the
// confusion matrix, the misclassified test digits and one digit's prediction explained. The
// worker computes everything; this module only draws (DOM built with textContent, never HTML).
import { preprocessDigit } from './digit_preprocess.js';

const $ = (id) => document.getElementById(id);

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'text') node.textContent = v;
    else if (k === 'className') node.className = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

const fmt = (v) => {
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-2 || a >= 1e4) ? v.toExponential(1) : `${+v.toPrecision(3)}`;
};

// Draws a 28x28 grey image (values 0..1 or 0..255 with `max`) into a canvas of 28x28 pixels.
export function drawDigit(canvas, values, max = 1) {
  if (canvas.width !== 28) canvas.width = 28;
  if (canvas.height !== 28) canvas.height = 28;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = 255 - Math.round((255 * values[i]) / max);
    img.data[4 * i] = v;
    img.data[4 * i + 1] = v;
    img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

// Ten horizontal bars (one per label) in `box`, the best one marked. values: 10 numbers.
// Ten horizontal bars (one per label) in `box`, the best one marked. values: 10 numbers. The rows
// are built once and then updated in place, touching only what changed (the views redraw this
// every few seconds; new nodes would mean new style, layout and paint every time).
// A value that is not a finite number (a model that diverged) shows as '–' with no bar.
export function drawBars(box, values, { predicted, kind }) {
  const max = Math.max(1e-12, ...values.filter(Number.isFinite).map(Math.abs));
  if (box.children.length !== values.length) {
    box.replaceChildren(...values.map((_, c) => el('div', { className: 'score-row', 'data-label': String(c) }, [
      el('span', { className: 'score-label', text: String(c) }),
      el('span', { className: 'bar-track' }, [el('span', { className: 'bar' })]),
      el('span', { className: 'score-value' }),
    ])));
  }
  values.forEach((v, c) => {
    const row = box.children[c];
    const ok = Number.isFinite(v);
    const width = `${ok ? Math.max(0, (100 * v) / max).toFixed(1) : 0}%`;
    const text = !ok ? '–' : kind === 'probability' ? `${(100 * v).toFixed(1)}%` : fmt(v);
    const cls = `score-row${c === predicted ? ' best' : ''}`;
    if (row.className !== cls) row.className = cls;
    row.dataset.value = String(v);
    const bar = row.children[1].firstChild;
    if (bar.style.width !== width) bar.style.width = width;
    if (row.children[2].textContent !== text) row.children[2].textContent = text;
  });
}

// --- the drawing pad ------------------------------------------------------------------------------

// Keyboard: the canvas is focusable; the arrow keys move a pen cursor one cell of the 28x28
// grid (with Shift: four), Space or Enter puts the pen down or lifts it (a stroke follows the
// cursor while it is down), Delete or Backspace clears. The cursor is an element over the
// canvas, so it never becomes ink.
const GRID = 28;
const BIG_STEP = 4;

export class DigitPad {
  // onDigit(pixels | null) is called (at most once per animation frame) when the drawing changes.
  // cursor: the element drawn over the canvas as the keyboard pen; onPen(text): pen state, in words.
  constructor(canvas, onDigit, { cursor, onPen } = {}) {
    this.canvas = canvas;
    this.onDigit = onDigit;
    this.cursor = cursor;
    this.onPen = onPen || (() => {});
    this.ctx = canvas.getContext('2d', { willReadFrequently: true });
    this.drawing = false;
    this.last = null;
    this.empty = true;
    this.queued = false;
    this.pixels = null;
    this.pen = { col: GRID / 2, row: GRID / 2, down: false };
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    for (const t of ['pointerup', 'pointercancel']) canvas.addEventListener(t, (e) => this.up(e));
    canvas.addEventListener('keydown', (e) => this.key(e));
    this.clear();
    this.placeCursor();
  }

  // The pen cursor's centre in canvas pixels.
  penPoint() {
    const cell = this.canvas.width / GRID;
    return { x: (this.pen.col + 0.5) * cell, y: (this.pen.row + 0.5) * cell };
  }

  placeCursor() {
    if (!this.cursor) return;
    this.cursor.style.left = `${(100 * (this.pen.col + 0.5)) / GRID}%`;
    this.cursor.style.top = `${(100 * (this.pen.row + 0.5)) / GRID}%`;
    this.cursor.classList.toggle('down', this.pen.down);
  }

  key(e) {
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (moves[e.key]) {
      const step = e.shiftKey ? BIG_STEP : 1;
      const from = this.penPoint();
      this.pen.col = Math.max(0, Math.min(GRID - 1, this.pen.col + moves[e.key][0] * step));
      this.pen.row = Math.max(0, Math.min(GRID - 1, this.pen.row + moves[e.key][1] * step));
      if (this.pen.down) this.stroke(from, this.penPoint());
    } else if (e.key === ' ' || e.key === 'Enter') {
      this.pen.down = !this.pen.down;
      if (this.pen.down) { const p = this.penPoint(); this.stroke(p, p); }
      this.onPen(this.pen.down ? 'Pen down: the arrow keys draw.' : 'Pen up: the arrow keys move without drawing.');
    } else if (e.key === 'Delete' || e.key === 'Backspace') {
      this.clear();
      this.onPen('Cleared.');
    } else {
      return;  // Tab and every other key keep their usual meaning
    }
    e.preventDefault();
    this.placeCursor();
  }

  point(e) {
    const r = this.canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * this.canvas.width) / r.width, y: ((e.clientY - r.top) * this.canvas.height) / r.height };
  }

  down(e) {
    e.preventDefault();
    this.canvas.setPointerCapture(e.pointerId);
    this.drawing = true;
    this.last = this.point(e);
    this.stroke(this.last, this.last);
  }

  move(e) {
    if (!this.drawing) return;
    e.preventDefault();
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
    for (const ev of events.length ? events : [e]) {
      const p = this.point(ev);
      this.stroke(this.last, p);
      this.last = p;
    }
  }

  up() {
    this.drawing = false;
    this.last = null;
  }

  stroke(a, b) {
    const ctx = this.ctx;
    ctx.lineWidth = this.canvas.width / 13;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.strokeStyle = '#000';
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x + (a === b ? 0.01 : 0), b.y);
    ctx.stroke();
    this.empty = false;
    this.changed();
  }

  clear() {
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.pen.down = false;
    this.placeCursor();
    this.empty = true;
    this.pixels = null;
    this.onDigit(null);
  }

  changed() {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      const { width, height } = this.canvas;
      const rgba = this.ctx.getImageData(0, 0, width, height).data;
      const ink = new Float32Array(width * height);
      for (let i = 0; i < ink.length; i++) ink[i] = rgba[4 * i + 3] / 255;  // ink = alpha
      const r = preprocessDigit(ink, width, height);
      this.pixels = r.empty ? null : r.pixels;
      this.onDigit(this.pixels);
    });
  }
}

// --- confusion matrix, mistakes, explanation ------------------------------------------------------

// The table is built once and then updated in place (no new nodes: cheap style and layout).
export function drawConfusion(table, m) {
  if (!table.tBodies.length || table.tBodies[0].rows.length !== 10) {
    const head = el('tr', {}, [el('th', { scope: 'col', text: 'true \\ guess' }),
      ...Array.from({ length: 10 }, (_, c) => el('th', { scope: 'col', text: String(c) }))]);
    const rows = Array.from({ length: 10 }, (_, t) => el('tr', {}, [el('th', { scope: 'row', text: String(t) }),
      ...Array.from({ length: 10 }, () => el('td'))]));
    table.replaceChildren(el('thead', {}, [head]), el('tbody', {}, rows));
  }
  let max = 1;
  for (let i = 0; i < 100; i++) if (Math.floor(i / 10) !== i % 10) max = Math.max(max, m.confusion[i]);
  const rows = table.tBodies[0].rows;
  for (let t = 0; t < 10; t++) {
    let total = 0;
    for (let p = 0; p < 10; p++) total += m.confusion[t * 10 + p];
    for (let p = 0; p < 10; p++) {
      const n = m.confusion[t * 10 + p];
      const td = rows[t].cells[p + 1];
      const text = n ? String(n) : '';
      if (td.textContent !== text) td.textContent = text;
      const cls = t === p ? 'diag' : n ? 'off' : '';
      if (td.className !== cls) td.className = cls;
      const shade = t === p ? (total ? n / total : 0).toFixed(2) : n ? (0.25 + (0.75 * n) / max).toFixed(2) : '';
      if (td.style.getPropertyValue('--shade') !== shade) td.style.setProperty('--shade', shade);
    }
  }
}

// Misclassified digits as buttons (a pool reused from one update to the next); onPick(index)
// explains the clicked one. Draws items from..from+count-1; returns the next index, or -1 when
// done (the page draws a few per frame to keep each frame short).
export function drawGallery(box, m, onPick, from = 0, count = Infinity) {
  if (!box.pool) {
    box.pool = [];
    box.empty = el('p', { className: 'hint', text: 'No mistakes on these images.' });
    box.replaceChildren(box.empty);
  }
  const end = Math.min(m.wrong.length, from + count);
  while (box.pool.length < end) {
    const canvas = el('canvas', { width: '28', height: '28', 'aria-hidden': 'true' });
    const span = el('span');
    const b = el('button', { type: 'button', className: 'digit' }, [canvas, span]);
    b.addEventListener('click', () => onPick(Number(b.dataset.index)));
    box.pool.push({ b, canvas, span });
    box.append(b);
  }
  box.pool.forEach(({ b, canvas, span }, k) => {
    if (k < from || (k >= end && k < m.wrong.length)) return;
    const w = m.wrong[k];
    if (b.hidden !== !w) b.hidden = !w;
    if (!w) return;
    // The view set is fixed, so a tile that shows the same test image keeps its pixels: most
    // mistakes stay mistakes from one update to the next, and an unchanged canvas costs no paint.
    if (b.dataset.index !== String(w.index)) drawDigit(canvas, m.images.subarray(k * 784, (k + 1) * 784), 255);
    const text = `${w.label}→${w.predicted}`;
    if (span.textContent !== text) span.textContent = text;
    b.dataset.index = String(w.index);
    const label = `${text}: test image ${w.index + 1}, a ${w.label} taken for a ${w.predicted}; explain it`;
    if (b.getAttribute('aria-label') !== label) b.setAttribute('aria-label', label);
  });
  if (box.empty.hidden !== m.wrong.length > 0) box.empty.hidden = m.wrong.length > 0;
  return end < m.wrong.length ? end : -1;
}

// textContent, set only when it changes (an unchanged node needs no layout or paint).
function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

// The goodness table of drawExplain: built when the number of layers changes, else updated in place.
function drawGoodnessTable(table, m) {
  const cols = m.layers.length + 2;
  if (!table.tHead || table.tHead.rows[0].cells.length !== cols) {
    const head = el('tr', {}, Array.from({ length: cols }, () => el('th', { scope: 'col' })));
    const rows = Array.from({ length: 10 }, (_, c) => el('tr', { 'data-label': String(c) }, [
      el('th', { scope: 'row', text: String(c) }),
      ...m.layers.map(() => el('td')),
      el('td', { className: 'sum' }),
    ]));
    table.replaceChildren(el('thead', {}, [head]), el('tbody', {}, rows));
  }
  const head = table.tHead.rows[0].cells;
  setText(head[0], 'label');
  m.layers.forEach((_, l) => setText(head[l + 1], `layer ${l + 1}${m.counted.includes(l) ? ' *' : ''}`));
  setText(head[cols - 1], 'sum *');
  [...table.tBodies[0].rows].forEach((row, c) => {
    const cls = c === m.predicted ? 'best' : '';
    if (row.className !== cls) row.className = cls;
    m.layers.forEach((g, l) => setText(row.cells[l + 1], fmt(g[c])));
    const sum = row.cells[cols - 1];
    sum.dataset.value = String(m.scores[c]);
    setText(sum, fmt(m.scores[c]));
  });
}

// One test digit: its image, true and predicted label, and for FF the goodness of each label in
// each layer (the prediction is the label with the most goodness summed over the counted layers).
// Called every few seconds while training: everything is updated in place.
export function drawExplain(m) {
  const canvas = $('explain-digit');
  if (!canvas.shown || canvas.shown.length !== m.image.length || canvas.shown.some((v, i) => v !== m.image[i])) {
    drawDigit(canvas, m.image, 255);
    canvas.shown = m.image;
  }
  setText($('explain-caption'), `Test image ${m.index + 1}: a ${m.label}; the model predicts ${m.predicted}${m.predicted === m.label ? ' (right)' : ' (wrong)'}.`);
  setText($('explain-predicted'), String(m.predicted));
  const box = $('explain-scores');
  const table = $('explain-goodness');
  if (m.kind === 'goodness') {
    setText($('explain-kind'), 'Goodness of each candidate label, per layer. The label with the most goodness summed over the marked layers is the prediction.');
    drawGoodnessTable(table, m);
    table.hidden = false;
    if (box.children.length) box.replaceChildren();
    box.hidden = true;
  } else {
    setText($('explain-kind'), 'Probability of each label (softmax of the output).');
    if (table.children.length) table.replaceChildren();
    table.hidden = true;
    box.hidden = false;
    drawBars(box, m.scores, m);
  }
}

// --- FF goodness histograms -----------------------------------------------------------------------
// Per hidden layer: overlaid histograms of goodness with the true label (positive) and with a wrong
// label (negative), 30 shared bins over log1p(goodness). layers: [{pos, neg}] (Float32Arrays).
const HIST_BINS = 30;
const HIST_COLOURS = { pos: '#0072b2', neg: '#d55e00' };  // Okabe-Ito blue / vermillion

export function drawGoodnessHist(box, summary, layers) {
  const mean = (a) => a.reduce((x, y) => x + y, 0) / Math.max(1, a.length);
  while (box.children.length > layers.length) box.lastChild.remove();
  const texts = [];
  layers.forEach((l, k) => {
    let fig = box.children[k];
    if (!fig) {
      fig = el('figure', { className: 'ghist', 'data-layer': String(k + 1) }, [
        el('canvas', { width: '240', height: '90', role: 'img' }),
        el('figcaption', { text: `Layer ${k + 1}` }),
      ]);
      box.append(fig);
    }
    const lp = Array.from(l.pos, Math.log1p);
    const ln = Array.from(l.neg, Math.log1p);
    const lo = Math.min(...lp, ...ln);
    const hi = Math.max(...lp, ...ln);
    const width = (hi - lo) / HIST_BINS || 1;
    const count = (vals) => {
      const c = new Array(HIST_BINS).fill(0);
      for (const v of vals) c[Math.min(HIST_BINS - 1, Math.max(0, Math.floor((v - lo) / width)))]++;
      return c;
    };
    const cp = count(lp);
    const cn = count(ln);
    const top = Math.max(1, ...cp, ...cn);
    const canvas = fig.querySelector('canvas');
    const ctx = canvas.getContext('2d');
    const W = canvas.width;
    const H = canvas.height;
    const bw = W / HIST_BINS;
    ctx.clearRect(0, 0, W, H);
    for (const [c, colour] of [[cp, HIST_COLOURS.pos], [cn, HIST_COLOURS.neg]]) {
      ctx.fillStyle = colour;
      ctx.globalAlpha = 0.55;
      c.forEach((v, b) => { const h = (H * v) / top; ctx.fillRect(b * bw, H - h, bw - 1, h); });
    }
    ctx.globalAlpha = 1;
    const text = `layer ${k + 1}: positive mean ${fmt(mean(l.pos))}, negative mean ${fmt(mean(l.neg))}`;
    canvas.setAttribute('aria-label', `Goodness histogram, ${text}`);
    fig.dataset.pos = String(l.pos.length);
    fig.dataset.neg = String(l.neg.length);
    fig.dataset.summary = text;
    texts.push(text);
  });
  summary.textContent = texts.join('; ');
}
