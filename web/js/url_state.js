// Every setting of the page, listed once: its type, default and allowed values. The URL hash is
// the save file (tensorflow/playground's state.ts pattern): serialize() writes every setting,
// parse() reads them back and drops anything it does not trust, saying why.
//
//   const {state, problems} = parse(location.hash);   // problems: [{key, value, reason}]
//   location.hash = serialize(state);
//
// Values from the URL are only ever compared with this table, converted to numbers or picked
// from fixed choices: nothing read from the hash reaches the page as HTML. Names of the fields
// that go to the C++ core are exactly src/core/config.h's Config fields (config: true).

import { visibleText } from './visible_text.js';

export const RULES = ['ff', 'ff-unsup', 'fgw', 'fga', 'lg-fga', 'bp'];

// Names of the page's controls and panels that the `hide` flag may hide (embed mode).
export const PANELS = ['rule', 'dataset', 'network', 'optimizer', 'advanced', 'controls', 'reset', 'step',
  'explain', 'figures', 'weights', 'charts', 'share', 'numbers', 'progress', 'draw', 'inside', 'export'];

// type: 'choice' | 'int' | 'number' | 'bool' | 'layers' | 'list'
// rules: the rules the setting matters for (the UI hides it for the others); absent = all.
// group: where the control sits on the page (also the name `hide` uses).
export const SETTINGS = [
  { key: 'rule', type: 'choice', choices: RULES, default: 'bp', config: true, group: 'rule', label: 'Learning rule' },
  { key: 'dataset', type: 'choice', choices: ['mnist', 'fashion'], default: 'mnist', config: true, group: 'dataset', label: 'Data set' },
  { key: 'hidden', type: 'layers', min: 1, max: 2048, maxLayers: 4, default: [256, 256], config: true, group: 'network', label: 'Hidden layers' },
  { key: 'seed', type: 'int', min: 0, max: 2147483647, default: 1, config: true, group: 'network', label: 'Seed' },
  { key: 'epochs', type: 'int', min: 1, max: 1000, default: 10, config: true, group: 'network', label: 'Epochs' },
  { key: 'batch', type: 'int', min: 1, max: 1000, default: 64, config: true, group: 'optimizer', label: 'Batch size' },
  { key: 'optimizer', type: 'choice', choices: ['adam', 'sgd'], default: 'adam', config: true, group: 'optimizer', label: 'Optimizer' },
  { key: 'lr', type: 'number', min: 1e-7, max: 10, minExclusive: false, default: 1e-3, config: true, group: 'optimizer', label: 'Learning rate' },
  { key: 'momentum', type: 'number', min: 0, max: 0.999, default: 0.9, config: true, group: 'advanced', label: 'Momentum (SGD)' },
  { key: 'beta1', type: 'number', min: 0, max: 0.9999, default: 0.9, config: true, group: 'advanced', label: 'Adam β1' },
  { key: 'beta2', type: 'number', min: 0, max: 0.99999, default: 0.999, config: true, group: 'advanced', label: 'Adam β2' },
  { key: 'adam_eps', type: 'number', min: 1e-12, max: 1, default: 1e-8, config: true, group: 'advanced', label: 'Adam ε' },
  { key: 'weight_decay', type: 'number', min: 0, max: 1, default: 0, config: true, group: 'advanced', label: 'Weight decay' },
  { key: 'lr_decay', type: 'number', min: 0, max: 1, default: 0, config: true, group: 'advanced', label: 'LR decay per step' },
  { key: 'ff_theta', type: 'number', min: -1000, max: 1000, default: 2, config: true, group: 'advanced', rules: ['ff', 'ff-unsup'], label: 'FF threshold θ' },
  { key: 'ff_goodness', type: 'choice', choices: ['sum', 'mean'], default: 'sum', config: true, group: 'advanced', rules: ['ff', 'ff-unsup'], label: 'FF goodness' },
  { key: 'ff_norm', type: 'choice', choices: ['length', 'rms'], default: 'length', config: true, group: 'advanced', rules: ['ff', 'ff-unsup'], label: 'FF normalisation' },
  { key: 'ff_negatives', type: 'choice', choices: ['random', 'hard'], default: 'random', config: true, group: 'advanced', rules: ['ff'], label: 'FF negatives' },
  { key: 'ff_schedule', type: 'choice', choices: ['together', 'greedy'], default: 'together', config: true, group: 'advanced', rules: ['ff', 'ff-unsup'], label: 'FF schedule' },
  { key: 'ff_peer_norm', type: 'number', min: 0, max: 100, default: 0, config: true, group: 'advanced', rules: ['ff', 'ff-unsup'], label: 'FF peer norm' },
  { key: 'readout_lr', type: 'number', min: 1e-7, max: 10, default: 1e-3, config: true, group: 'advanced', rules: ['ff', 'ff-unsup'], label: 'Readout LR' },
  { key: 'fg_tangents', type: 'int', min: 1, max: 64, default: 1, config: true, group: 'advanced', rules: ['fgw', 'fga', 'lg-fga'], label: 'Tangents K' },
  { key: 'fga_skip_inactive', type: 'bool', default: true, config: true, group: 'advanced', rules: ['fga', 'lg-fga'], label: 'Skip inactive units' },
  { key: 'lg_groups', type: 'int', min: 1, max: 64, default: 1, config: true, group: 'advanced', rules: ['lg-fga'], label: 'Local groups' },
  { key: 'report_cosine', type: 'bool', default: false, config: true, group: 'figures', rules: ['fgw', 'fga', 'lg-fga'], label: 'Cosine to true gradient' },
  // Page-only flags (not sent to the core).
  { key: 'embed', type: 'bool', default: false, label: 'Embed mode' },
  { key: 'hide', type: 'list', choices: PANELS, default: [], label: 'Hidden controls' },
  // Lesson links: which views to show (opened, shown even in embed mode, the first scrolled to)
  // and whether training starts on load (autoplay=0: waits for Play).
  { key: 'show', type: 'list', choices: PANELS, default: [], label: 'Views to show' },
  { key: 'autoplay', type: 'bool', default: true, label: 'Start training on load' },
  // Race mode: 2 to 4 rules trained side by side, one worker each (empty: a single run).
  { key: 'race', type: 'list', choices: RULES, minItems: 2, maxItems: 4, default: [], label: 'Race' },
];

// Race presets (the page offers them as buttons).
export const RACES = [
  { name: 'Forward-Forward vs backprop', rules: ['ff', 'bp'] },
  { name: 'FG-W vs FG-A vs LG-FG-A', rules: ['fgw', 'fga', 'lg-fga'] },
  { name: 'every rule (one per family; lanes are capped at 4)', rules: ['ff', 'fgw', 'lg-fga', 'bp'] },
];

export const BY_KEY = Object.freeze(Object.fromEntries(SETTINGS.map((s) => [s.key, s])));

// One good starting point per rule (the owners of each rule tune these; see docs/results.md).
export const PRESETS = {
  bp: { hidden: [256, 256], optimizer: 'adam', lr: 1e-3, lr_decay: 3e-4, batch: 64, epochs: 10 },
  // docs/results.md, Forward-Forward: 2 x 500 with hard negatives, 15 epochs: 1.97% natively,
  // 2.25% after 10 minutes in wasm under Node.
  ff: { hidden: [500, 500], optimizer: 'adam', lr: 1e-3, lr_decay: 1e-4, batch: 100, epochs: 15, ff_goodness: 'sum',
        ff_norm: 'rms', ff_theta: 500, ff_negatives: 'hard', readout_lr: 1e-3 },
  // Three layers so the readout has its "last three hidden layers"; theta = layer width (sum goodness).
  'ff-unsup': { hidden: [500, 500, 500], optimizer: 'adam', lr: 1e-3, lr_decay: 1e-4, batch: 100, epochs: 20,
                ff_goodness: 'sum', ff_norm: 'rms', ff_theta: 500, readout_lr: 1e-3 },
  // docs/results.md, Forward gradients, browser-sized presets: FG-W needs a small net and plain SGD.
  fgw: { hidden: [32], optimizer: 'sgd', lr: 1e-3, momentum: 0, lr_decay: 1e-5, batch: 64, epochs: 300, fg_tangents: 1 },
  fga: { hidden: [256], optimizer: 'adam', lr: 2e-3, lr_decay: 5e-5, batch: 64, epochs: 40, fg_tangents: 1, fga_skip_inactive: true },
  'lg-fga': { hidden: [512], optimizer: 'adam', lr: 1e-2, lr_decay: 3e-5, batch: 64, epochs: 20, fg_tangents: 1, lg_groups: 16,
              fga_skip_inactive: true },
};

const MAX_VALUE_LENGTH = 200;
const MAX_HASH_LENGTH = 4000;
const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d{1,3})?$/i;

export function defaults() {
  const state = {};
  for (const s of SETTINGS) state[s.key] = Array.isArray(s.default) ? [...s.default] : s.default;
  return state;
}

// The defaults with `rule`'s preset applied.
export function presetState(rule) {
  return { ...defaults(), ...(PRESETS[rule] ? clone(PRESETS[rule]) : {}), rule };
}

function clone(obj) {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, Array.isArray(v) ? [...v] : v]));
}

function describeRange(s) {
  return `${s.min}..${s.max}`;
}

// Converts one raw text value to the setting's type. Returns {value} or {reason}.
export function parseValue(setting, text) {
  if (typeof text !== 'string') return { reason: 'not text' };
  if (text.length > MAX_VALUE_LENGTH) return { reason: `longer than ${MAX_VALUE_LENGTH} characters` };
  switch (setting.type) {
    case 'choice':
      return setting.choices.includes(text) ? { value: text } : { reason: `must be one of ${setting.choices.join(', ')}` };
    case 'bool':
      if (text === 'true' || text === '1') return { value: true };
      if (text === 'false' || text === '0') return { value: false };
      return { reason: 'must be true or false' };
    case 'int':
    case 'number': {
      if (!NUMBER_RE.test(text)) return { reason: 'not a number' };
      const n = Number(text);
      if (!Number.isFinite(n)) return { reason: 'not a finite number' };
      if (setting.type === 'int' && !Number.isInteger(n)) return { reason: 'must be a whole number' };
      if (n < setting.min || n > setting.max) return { reason: `must be in ${describeRange(setting)}` };
      return { value: n };
    }
    case 'layers': {
      const parts = text.split(',');
      if (parts.length < 1 || parts.length > setting.maxLayers) return { reason: `must list 1..${setting.maxLayers} layer sizes` };
      const sizes = [];
      for (const p of parts) {
        if (!/^\d{1,6}$/.test(p)) return { reason: 'layer sizes must be whole numbers separated by commas' };
        const n = Number(p);
        if (n < setting.min || n > setting.max) return { reason: `each layer size must be in ${describeRange(setting)}` };
        sizes.push(n);
      }
      return { value: sizes };
    }
    case 'list': {
      if (text === '') return { value: [] };
      const items = text.split(',');
      for (const item of items) if (!setting.choices.includes(item)) return { reason: `may only list ${setting.choices.join(', ')}` };
      const value = [...new Set(items)];
      if ((setting.minItems && value.length < setting.minItems) || (setting.maxItems && value.length > setting.maxItems)) {
        return { reason: `must list ${setting.minItems}..${setting.maxItems} different items (or none)` };
      }
      return { value };
    }
    default:
      return { reason: 'unknown type' };
  }
}

export function formatValue(setting, value) {
  switch (setting.type) {
    case 'bool': return value ? 'true' : 'false';
    case 'layers': case 'list': return value.join(',');
    case 'number': return String(Number(value.toPrecision(6)));
    default: return String(value);
  }
}

// Checks a value already in memory (from the UI) against the table; true when it is allowed.
export function isValid(key, value) {
  const s = BY_KEY[key];
  if (!s) return false;
  const r = parseValue(s, formatValue(s, value));
  return r.value !== undefined && formatValue(s, r.value) === formatValue(s, value);
}

function safeDecode(text) {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

// Shortens a hostile or long value for a notice and shows its invisible characters (the notice
// is set with textContent anyway).
function excerpt(text) {
  return visibleText(text, 40);
}

// "#rule=ff&lr=0.001" -> {state, problems}. Starts from the rule's preset (the rule given in the
// hash if it is valid), then applies every valid value; each bad one is dropped with a reason.
export function parse(hash) {
  const problems = [];
  let text = typeof hash === 'string' ? hash : '';
  if (text.startsWith('#')) text = text.slice(1);
  if (text.length > MAX_HASH_LENGTH) {
    problems.push({ key: '(link)', value: excerpt(text), reason: `longer than ${MAX_HASH_LENGTH} characters; all of it ignored` });
    return { state: presetState(BY_KEY.rule.default), problems };
  }
  const raw = new Map();
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = safeDecode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : safeDecode(part.slice(eq + 1));
    if (key === null || value === null) {
      problems.push({ key: excerpt(part), value: '', reason: 'not valid URL encoding' });
      continue;
    }
    if (!Object.prototype.hasOwnProperty.call(BY_KEY, key)) {
      problems.push({ key: excerpt(key), value: excerpt(value), reason: 'unknown setting' });
      continue;
    }
    if (raw.has(key)) {
      problems.push({ key, value: excerpt(value), reason: 'given twice; the first value is kept' });
      continue;
    }
    raw.set(key, value);
  }
  let rule = BY_KEY.rule.default;
  if (raw.has('rule')) {
    const r = parseValue(BY_KEY.rule, raw.get('rule'));
    if (r.value !== undefined) rule = r.value;
  }
  const state = presetState(rule);
  for (const [key, value] of raw) {
    const setting = BY_KEY[key];
    const r = parseValue(setting, value);
    if (r.value === undefined) {
      problems.push({ key, value: excerpt(value), reason: `${r.reason}; using ${formatValue(setting, state[key])}` });
    } else {
      state[key] = r.value;
    }
  }
  return { state, problems };
}

// state -> "rule=bp&dataset=mnist&..." (every setting, in table order; page flags only when set).
export function serialize(state) {
  const parts = [];
  for (const s of SETTINGS) {
    const value = state[s.key];
    if (value === undefined) continue;
    if (!s.config && formatValue(s, value) === formatValue(s, s.default)) continue;
    parts.push(`${s.key}=${encodeURIComponent(formatValue(s, value))}`);
  }
  return parts.join('&');
}

// The configuration object for new Module.Session: the core's fields that apply to the rule.
export function toConfig(state) {
  const config = {};
  for (const s of SETTINGS) {
    // A field that does not matter for the rule keeps the core's default (e.g. lg_groups, which
    // must divide every layer size, is only sent for lg-fga).
    if (!s.config || !appliesTo(s.key, state.rule)) continue;
    config[s.key] = Array.isArray(state[s.key]) ? [...state[s.key]] : state[s.key];
  }
  return config;
}

// Does setting `key` matter for `rule`?
export function appliesTo(key, rule) {
  const s = BY_KEY[key];
  return !s.rules || s.rules.includes(rule);
}
