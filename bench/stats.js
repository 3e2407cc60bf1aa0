// Small statistics for scripts/bench: medians, "median (min-max)" cells, per-run ratios.
'use strict';

const median = (xs) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

// "12.3 (11.0-14.1)", or "failed" for no runs.
const cell = (xs, digits = 0) => (xs.length === 0 ? 'failed'
  : `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)})`);

// Median of the per-run ratios xs[i] / ys[i] over the runs both have (runs side by side).
const pairedRatio = (xs, ys) => {
  const r = [];
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) if (ys[i] > 0) r.push(xs[i] / ys[i]);
  return median(r);
};

const fixed = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '-');

module.exports = { median, cell, pairedRatio, fixed };
