// Live line charts on uPlot (npm "uplot", served from vendor/). uPlot draws tens of thousands of
// points on a canvas in a few milliseconds and weighs 22 kB gzipped, so redrawing a growing
// series several times a second stays far under the page's 50 ms task budget.
//
// Each chart is one small object: append rows, and it redraws at most every REDRAW_MS.
// uPlot comes from vendor/uPlot.iife.min.js (a deferred classic script that runs before this
// module): the package ships its minified build only in that form, half the size of the ES one.
const uPlot = globalThis.uPlot;

const REDRAW_MS = 250;
// Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
const PALETTE = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#555555', '#7a5c00'];

function cssVar(name, fallback) {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

export class LineChart {
  // series: [{label, color?, points?: true (markers only), markers?: true (line and markers), dash?}]
  // yLog: a log10 y axis (values <= 0 are left out of the drawing).
  constructor(container, { series, xLabel, yRange, yFormat, yLog }) {
    this.container = container;
    this.yLog = !!yLog;
    this.series = series;
    this.data = [[], ...series.map(() => [])];
    this.dirty = false;
    this.lastDraw = 0;
    const axisColor = cssVar('--muted', '#666');
    const gridColor = cssVar('--grid', 'rgba(128,128,128,0.15)');
    const axis = { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor, width: 1 } };
    const opts = {
      width: Math.max(200, container.clientWidth || 400),
      height: container.classList.contains('wide') ? 220 : 190,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false }, y: yLog ? { distr: 3, log: 10 } : yRange ? { range: yRange } : { auto: true } },
      axes: [
        { ...axis, label: xLabel, labelSize: 18, size: 36, values: (u, vals) => vals.map(formatCount) },
        { ...axis, size: 52, values: yFormat ? (u, vals) => vals.map(yFormat) : undefined },
      ],
      series: [
        { label: xLabel, value: (u, v) => (v == null ? '–' : formatCount(v)) },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: s.color || PALETTE[i % PALETTE.length],
          width: 2,
          dash: s.dash,
          spanGaps: true,
          points: s.points ? { show: true, size: 7, fill: s.color || PALETTE[i % PALETTE.length] }
            : s.markers ? { show: true, size: 4 } : { show: false },
          value: (u, v) => (v == null ? '–' : (yFormat ? yFormat(v) : formatNumber(v))),
        })),
      ],
    };
    this.plot = new uPlot(opts, this.data, container);
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(container);
  }

  resize() {
    const w = Math.max(200, this.container.clientWidth);
    if (w !== this.plot.width) this.plot.setSize({ width: w, height: this.plot.height });
  }

  // x and one value per series (null for none).
  clean(v) {
    return v == null || !Number.isFinite(v) || (this.yLog && v <= 0) ? null : v;
  }

  append(x, values) {
    this.data[0].push(x);
    values.forEach((v, i) => this.data[i + 1].push(this.clean(v)));
    this.dirty = true;
  }

  // Like append, but keeps x sorted (series from several sources, e.g. race lanes, arrive out of
  // order); a binary search and one splice per column.
  insert(x, values) {
    const xs = this.data[0];
    let lo = 0;
    let hi = xs.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (xs[mid] <= x) lo = mid + 1; else hi = mid; }
    xs.splice(lo, 0, x);
    values.forEach((v, i) => this.data[i + 1].splice(lo, 0, this.clean(v)));
    this.dirty = true;
  }

  // Called once per animation frame by the page; redraws at most every REDRAW_MS.
  // Returns true when it drew.
  draw(now, force) {
    if (!this.dirty || (!force && now - this.lastDraw < REDRAW_MS)) return false;
    this.dirty = false;
    this.lastDraw = now;
    this.plot.setData(this.data);
    return true;
  }

  // Drops every row whose x is above maxX (a run restarted from an earlier point goes on from it).
  truncate(maxX) {
    const keep = this.data[0].findIndex((x) => x > maxX);
    if (keep < 0) return;
    this.data = this.data.map((col) => col.slice(0, keep));
    this.dirty = true;
  }

  clear() {
    this.data = [[], ...this.series.map(() => [])];
    this.plot.setData(this.data);
  }

  destroy() {
    this.resizeObserver.disconnect();
    this.plot.destroy();
  }
}

export function formatCount(v) {
  if (v == null) return '';
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(2)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(2)}`;
}

export function formatNumber(v) {
  if (v == null) return '';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return `${+v.toPrecision(4)}`;
}

export const percent = (v) => (v == null ? '' : `${(100 * v).toFixed(1)}%`);
