// The page: reads the settings from the URL hash, starts the training worker, and draws what it
// posts. Nothing here trains; every handler is short so the main thread stays smooth.
import { parse, serialize, toConfig, presetState, BY_KEY, formatValue } from './url_state.js';
import { RULE_INFO } from './rules.js';
import { Controls } from './controls.js';
import { LineChart, formatCount, formatNumber, percent } from './charts.js';

const $ = (id) => document.getElementById(id);

const page = {
  state: null,
  worker: null,
  ready: false,
  playing: false,
  unavailable: {},
  charts: {},
  figureChart: null,
  figureKeys: '',
  lastAccuracy: null,
  runId: 0,
};

// --- notices ----------------------------------------------------------------------------------

// A notice with `key` replaces the earlier ones with that key unless `add` is true.
function notice(text, kind = 'info', key, add = false) {
  const box = $('notices');
  if (key && !add) box.querySelectorAll(`[data-key="${key}"]`).forEach((n) => n.remove());
  const item = document.createElement('div');
  item.className = `notice ${kind}`;
  if (key) item.dataset.key = key;
  const span = document.createElement('span');
  span.textContent = text;
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'close';
  close.setAttribute('aria-label', 'Dismiss');
  close.textContent = '×';
  close.addEventListener('click', () => item.remove());
  item.append(span, close);
  box.append(item);
}

function clearNotices(key) {
  $('notices').querySelectorAll(key ? `[data-key="${key}"]` : '.notice').forEach((n) => n.remove());
}

// --- state and URL ----------------------------------------------------------------------------

function writeHash() {
  const hash = `#${serialize(page.state)}`;
  if (location.hash !== hash) history.replaceState(null, '', hash);
}

function readHash() {
  const { state, problems } = parse(location.hash);
  clearNotices('url');
  for (const p of problems) {
    notice(`Ignored a setting from the link: ${p.key} = "${p.value}" (${p.reason}).`, 'warn', 'url', true);
  }
  return state;
}

function applyLayoutFlags() {
  document.body.classList.toggle('embed', !!page.state.embed);
  document.querySelectorAll('[data-panel]').forEach((node) => {
    const name = node.dataset.panel;
    if (BY_KEY[name] && node.classList.contains('field')) return;  // rows: shown by Controls
    node.classList.toggle('flag-hidden', page.state.hide.includes(name));
  });
  const open = $('open-full');
  // In a sandbox without allow-popups (our embed code) a new tab cannot open: no dead link.
  open.hidden = !page.state.embed || window.origin === 'null';
  if (page.state.embed) {
    const full = { ...page.state, embed: false, hide: [] };
    open.href = `./#${serialize(full)}`;
  }
}

function showRuleText() {
  const info = RULE_INFO[page.state.rule];
  const box = $('explain-text');
  box.replaceChildren(...info.text.map((t) => { const p = document.createElement('p'); p.textContent = t; return p; }));
  $('explain-title').textContent = `How it learns: ${info.name}`;
  const a = $('explain-paper');
  a.href = info.paper.url;
  a.textContent = `Paper: ${info.paper.title}`;
  const hint = $('figures-hint');
  const rule = page.state.rule;
  if (rule === 'ff' || rule === 'ff-unsup') {
    hint.textContent = 'Goodness (sum of squared activities) per layer, for positive (real) and negative data. Learning pulls them apart.';
  } else if (rule === 'bp') {
    hint.textContent = 'Backprop computes the exact gradient: there is no estimate to compare.';
  } else {
    hint.textContent = 'Cosine similarity between the forward-gradient estimate and the true gradient (switch it on; it costs an extra backward pass).';
  }
}

// A change from a control: rule changes load that rule's preset (keeping data, seed and flags).
function onSettingChange(key, value) {
  if (key === 'rule') {
    const keep = { dataset: page.state.dataset, seed: page.state.seed, embed: page.state.embed, hide: page.state.hide };
    page.state = { ...presetState(value), ...keep };
  } else {
    page.state = { ...page.state, [key]: value };
  }
  settingsChanged();
}

function settingsChanged() {
  writeHash();
  controls.show(page.state);
  applyLayoutFlags();
  showRuleText();
  restart(page.playing || !page.everStarted);
}

// --- charts -----------------------------------------------------------------------------------

function makeCharts() {
  for (const c of Object.values(page.charts)) c.destroy();
  page.charts = {
    loss: new LineChart($('chart-loss'), { xLabel: 'examples', series: [{ label: 'loss' }] }),
    acc: new LineChart($('chart-acc'), {
      xLabel: 'examples', yFormat: percent,
      series: [{ label: 'first 1k test', markers: true }, { label: 'full test set', points: true, color: '#e0672b' }],
    }),
    accTime: new LineChart($('chart-acc-time'), {
      xLabel: 'seconds', yFormat: percent,
      series: [{ label: 'first 1k test', markers: true }, { label: 'full test set', points: true, color: '#e0672b' }],
    }),
    speed: new LineChart($('chart-speed'), { xLabel: 'seconds', yFormat: formatCount, series: [{ label: 'examples/s', color: '#2a9d5b' }] }),
  };
  if (page.figureChart) { page.figureChart.destroy(); page.figureChart = null; }
  page.figureKeys = '';
  $('chart-figures').replaceChildren();
  $('figures-eval').textContent = '';
}

// Figures worth a chart: FF goodness per layer, FG cosine; others are summarised in the legend.
function chartFigureKeys(figures) {
  // layer1 pos, layer1 neg, layer2 pos, ...: each layer's pair side by side in the legend.
  const order = (k) => k.replace(/goodness_pos$/, 'goodness_0').replace(/goodness_neg$/, 'goodness_1');
  return Object.keys(figures).filter((k) => /goodness_(pos|neg)$|cosine/.test(k))
    .sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

// The evaluation's own figures (e.g. FF's accuracy by goodness and by the softmax readout), as text.
function showEvalFigures(m) {
  const parts = Object.entries(m.figures || {}).map(([k, v]) =>
    `${k.replace(/_/g, ' ')}: ${/accuracy/.test(k) ? percent(v) : formatNumber(v)}`);
  $('figures-eval').textContent = parts.length
    ? `Last evaluation (${m.count.toLocaleString('en-US')} test images): ${parts.join(', ')}` : '';
}

function drawFigures(x, figures) {
  const keys = chartFigureKeys(figures);
  if (keys.length === 0) return;
  const id = keys.join('|');
  if (id !== page.figureKeys) {
    if (page.figureChart) page.figureChart.destroy();
    $('chart-figures').replaceChildren();
    page.figureKeys = id;
    page.figureChart = new LineChart($('chart-figures'), {
      xLabel: 'examples',
      series: keys.map((k, i) => ({
        label: k.replace('goodness_', 'goodness ').replace('.', ' '),
        color: /neg$/.test(k) ? ['#e0672b', '#d6455d', '#c99a12', '#b03aa6'][Math.floor(i / 2) % 4]
          : ['#2f6fde', '#2a9d5b', '#1aa3b8', '#6b6f7a'][Math.floor(i / 2) % 4],
        dash: /neg$/.test(k) ? [6, 4] : undefined,
      })),
    });
  }
  page.figureChart.append(x, keys.map((k) => figures[k]));
}

// At most one chart redraws per animation frame (each is throttled to a few redraws a second),
// so no frame's work adds up to a long task.
let nextChart = 0;
function frame(now) {
  const charts = [...Object.values(page.charts), ...(page.figureChart ? [page.figureChart] : [])];
  for (let i = 0; i < charts.length; i++) {
    const c = charts[(nextChart + i) % charts.length];
    if (c.draw(now)) { nextChart = (nextChart + i + 1) % charts.length; break; }
  }
  requestAnimationFrame(frame);
}

// Draws `units` 28x28 weight images in a row of tiles; each tile scaled by its own largest
// magnitude, positive blue and negative red.
function drawWeights(m) {
  const canvas = $('weights-canvas');
  const cols = Math.min(8, m.units);
  const rows = Math.ceil(m.units / cols);
  if (canvas.width !== cols * 28 || canvas.height !== rows * 28) { canvas.width = cols * 28; canvas.height = rows * 28; }
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(cols * 28, rows * 28);
  for (let u = 0; u < m.units; u++) {
    let max = 1e-12;
    for (let i = 0; i < 784; i++) max = Math.max(max, Math.abs(m.pixels[u * 784 + i]));
    const ox = (u % cols) * 28;
    const oy = Math.floor(u / cols) * 28;
    for (let i = 0; i < 784; i++) {
      const v = m.pixels[u * 784 + i] / max;
      const p = 4 * ((oy + Math.floor(i / 28)) * cols * 28 + ox + (i % 28));
      const a = Math.min(1, Math.abs(v));
      // white -> blue (#2f6fde) for positive, white -> red (#d6455d) for negative
      const [r, g, b] = v >= 0 ? [47, 111, 222] : [214, 69, 93];
      img.data[p] = Math.round(255 + (r - 255) * a);
      img.data[p + 1] = Math.round(255 + (g - 255) * a);
      img.data[p + 2] = Math.round(255 + (b - 255) * a);
      img.data[p + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
}

function clearWeights() {
  const canvas = $('weights-canvas');
  canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
}

// --- the worker -------------------------------------------------------------------------------

function setStatus(text) { $('run-status').textContent = text; }

function setPlaying(playing) {
  page.playing = playing;
  const b = $('play');
  b.querySelector('.icon').className = `icon ${playing ? 'pause' : 'play'}`;
  b.querySelector('.label').textContent = playing ? 'Pause' : 'Play';
  b.setAttribute('aria-label', playing ? 'Pause' : 'Play');
  b.setAttribute('aria-pressed', playing ? 'true' : 'false');
}

function resetNumbers() {
  $('n-epoch').textContent = '0';
  $('n-examples').textContent = '0';
  $('n-accuracy').textContent = '–';
  $('n-accuracy').title = '';
  $('n-speed').textContent = '–';
  $('n-time').textContent = '0 s';
  page.lastAccuracy = null;
  page.speedWindow = null;
  clearWeights();
}

function restart(play) {
  if (!page.ready) return;
  page.runId++;
  page.everStarted = true;
  clearNotices('run');
  makeCharts();
  resetNumbers();
  setPlaying(!!play);
  if (page.unavailable[page.state.rule]) {
    notice(page.unavailable[page.state.rule], 'error', 'run');
    setStatus(`${RULE_INFO[page.state.rule].name} is not available in this build yet. Pick another rule.`);
    setPlaying(false);
    page.worker.postMessage({ type: 'stop', runId: page.runId });
    page.blocked = true;
    return;
  }
  page.blocked = false;
  page.worker.postMessage({ type: 'reset', config: toConfig(page.state), play: !!play, runId: page.runId });
}

const PHASE_TEXT = {
  loading: 'Loading the data…',
  warmup: 'Training: warm-up pass over the first 10,000 training images while the rest downloads.',
  waiting: 'Waiting for the rest of the training images…',
  main: 'Training on all 60,000 training images.',
  finished: 'Finished: all epochs done. Reset to train again.',
  failed: 'Stopped.',
};

// Examples/s over windows of at least 1 s of training time (single 100 ms windows are noisy).
function speedSample(m) {
  const w = page.speedWindow;
  if (!w || m.trainSeconds < w.trainSeconds) { page.speedWindow = { examples: m.examples, trainSeconds: m.trainSeconds }; return; }
  const dt = m.trainSeconds - w.trainSeconds;
  if (dt < 1) return;
  const speed = (m.examples - w.examples) / dt;
  page.speedWindow = { examples: m.examples, trainSeconds: m.trainSeconds };
  $('n-speed').textContent = Math.round(speed).toLocaleString('en-US');
  page.charts.speed.append(m.wallSeconds, [speed]);
}

function onWorkerMessage(event) {
  const m = event.data;
  const aboutRuns = ['status', 'metrics', 'eval', 'weights', 'error'].includes(m.type);
  if (aboutRuns && m.runId !== page.runId) return;  // sent before the page started another run
  switch (m.type) {
    case 'ready':
      page.ready = true;
      page.unavailable = m.unavailable || {};
      controls.markUnavailable(page.unavailable);
      restart(true);  // like the issue asks: training starts as soon as data allow
      break;
    case 'progress': {
      if (m.dataset !== page.state.dataset) break;
      const p = $('progress');
      p.value = m.loaded / m.total;
      const mb = (x) => (x / 1e6).toFixed(1);
      $('progress-text').textContent = m.done
        ? `Data ready: ${m.dataset === 'fashion' ? 'Fashion-MNIST' : 'MNIST'}, ${mb(m.total)} MB`
        : `Downloading ${m.dataset === 'fashion' ? 'Fashion-MNIST' : 'MNIST'}: ${mb(m.loaded)} of ${mb(m.total)} MB`;
      $('progress-wrap').classList.toggle('done', !!m.done);
      break;
    }
    case 'status':
      if (page.blocked) break;
      setStatus(PHASE_TEXT[m.phase] || m.phase);
      if (!m.playing && page.playing && (m.phase === 'finished' || m.phase === 'failed')) setPlaying(false);
      break;
    case 'metrics':
      if (page.blocked) break;
      if (!document.documentElement.dataset.firstTrainMs) {
        document.documentElement.dataset.firstTrainMs = String(Math.round(performance.now()));
      }
      $('n-epoch').textContent = m.epoch.toFixed(2);
      $('n-examples').textContent = m.examples.toLocaleString('en-US');
      $('n-time').textContent = `${m.wallSeconds.toFixed(1)} s`;
      page.charts.loss.append(m.examples, [m.loss]);
      speedSample(m);
      drawFigures(m.examples, m.figures);
      break;
    case 'eval': {
      if (page.blocked) break;
      const a = $('n-accuracy');
      a.textContent = percent(m.accuracy);
      a.title = m.full ? `on all ${m.count.toLocaleString('en-US')} test images` : `on the first ${m.count.toLocaleString('en-US')} test images`;
      a.dataset.value = String(m.accuracy);
      const row = m.full ? [null, m.accuracy] : [m.accuracy, null];
      page.charts.acc.append(m.examples, row);
      page.charts.accTime.append(m.wallSeconds, row);
      showEvalFigures(m);
      break;
    }
    case 'weights':
      if (!page.blocked) drawWeights(m);
      break;
    case 'error': {
      setPlaying(false);
      const kind = m.name === 'ConfigError' ? 'The settings were refused' : m.name === 'DivergenceError' ? 'Training diverged' : 'Something went wrong';
      notice(`${kind}: ${m.message}`, 'error', 'run');
      setStatus('Stopped.');
      break;
    }
    default:
      break;
  }
}

// Workers need a same-origin script URL. In a sandboxed iframe (opaque origin) that fails, so
// the script is fetched and started from a blob: URL instead.
async function startWorker() {
  const url = new URL('js/worker.js', document.baseURI).href;
  try {
    return new Worker(url);
  } catch (e) {
    const text = await (await fetch(url)).text();
    return new Worker(URL.createObjectURL(new Blob([text], { type: 'text/javascript' })));
  }
}

// --- share ------------------------------------------------------------------------------------

function pageUrl(state) {
  const u = new URL(document.baseURI);
  u.hash = serialize(state);
  return u.href;
}

async function copyText(text, what) {
  const out = $('share-output');
  out.hidden = false;
  out.value = text;
  let copied = false;
  try {
    if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(text); copied = true; }
  } catch { copied = false; }
  if (!copied) {
    out.select();
    try { copied = document.execCommand('copy'); } catch { copied = false; }
  }
  notice(copied ? `${what} copied to the clipboard.` : `Copy the ${what.toLowerCase()} from the box below.`, 'info', 'share');
}

function embedCode() {
  const state = { ...page.state, embed: true, hide: controls.hideSelection() };
  const src = pageUrl(state).replace(/"/g, '%22');
  return `<iframe src="${src}" title="Forward Lab: ${RULE_INFO[page.state.rule].name}" width="100%" height="640" style="border:0" loading="lazy" sandbox="allow-scripts"></iframe>`;
}

// --- start ------------------------------------------------------------------------------------

const controls = new Controls(document, onSettingChange);
page.state = readHash();
writeHash();
controls.show(page.state);
applyLayoutFlags();
showRuleText();
requestAnimationFrame(frame);

$('play').addEventListener('click', () => {
  if (!page.ready || page.blocked) return;
  if (page.playing) { page.worker.postMessage({ type: 'pause' }); setPlaying(false); } else {
    page.worker.postMessage({ type: 'play' });
    setPlaying(true);
  }
});
$('step').addEventListener('click', () => {
  if (!page.ready || page.blocked) return;
  page.worker.postMessage({ type: 'step' });
  setPlaying(false);
});
$('reset').addEventListener('click', () => restart(false));
$('preset').addEventListener('click', () => onSettingChange('rule', page.state.rule));
$('share').addEventListener('click', () => copyText(pageUrl({ ...page.state }), 'Link'));
$('embed-code').addEventListener('click', () => copyText(embedCode(), 'Embed code'));
window.addEventListener('hashchange', () => {
  if (location.hash === `#${serialize(page.state)}`) return;
  page.state = readHash();
  writeHash();
  controls.show(page.state);
  applyLayoutFlags();
  showRuleText();
  restart(true);
});

startWorker().then((worker) => {
  page.worker = worker;
  worker.onmessage = onWorkerMessage;
  worker.onerror = (e) => notice(`The training worker failed: ${e.message || 'unknown error'}`, 'error', 'run');
  worker.postMessage({ type: 'init', base: new URL('.', document.baseURI).href });
}).catch((e) => notice(`Could not start the training worker: ${e.message}`, 'error', 'run'));

// For the browser tests and the curious: read-only numbers about this page.
export { page, formatCount, formatNumber, formatValue };
