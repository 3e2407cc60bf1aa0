// The page: reads the settings from the URL hash, starts the training worker, and draws what it
// posts. Nothing here trains; every handler is short so the main thread stays smooth.
import { parse, serialize, toConfig, presetState, BY_KEY, formatValue, RACES } from './url_state.js';
import { RULE_INFO, RULE_PANEL, mathElement, mathText, citationText } from './rules.js';
import { Race } from './race.js';
import { Controls } from './controls.js';
import { LineChart, formatCount, formatNumber, percent } from './charts.js';
import { DigitPad, drawBars, drawConfusion, drawGallery, drawExplain, drawDigit, drawGoodnessHist } from './inside.js';
import { startOffline } from './offline.js';
import { showNotice, clearNotices as clearNoticesIn } from './notices.js';
import { visibleText } from './visible_text.js';
import { attachEvalWorker } from './eval_client.js';

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
  pad: null,
  predictId: 0,
  predictBusy: false,
  predictAgain: false,
  lastPredictAt: 0,
  explainIndex: 0,
  lastViews: null,
  lastViewsFull: null,  // the last epoch end's confusion matrix on the whole test set
  lastSpoken: 0,
  pending: {},           // inside views received but not drawn yet (drawn one per frame, when visible)
  insideVisible: false,
  race: null,            // the Race while race mode is on (see race.js)
  scrolledToShow: false,
  snapshot: null,        // the latest weights the worker posted (restart point after a crash)
  phase: null,           // the run's phase, from the worker's status messages
  lastWorkerMessage: 0,  // performance.now() of the worker's last message (the watchdog's clock)
  crashed: false,
};

// --- notices ----------------------------------------------------------------------------------

// kind: info, warn or error (js/notices.js has the rest).
function notice(text, kind = 'info', key, add = false, actions = []) {
  return showNotice($('notices'), text, { kind, key, add, actions });
}

function clearNotices(key) {
  clearNoticesIn($('notices'), key);
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
    node.classList.toggle('flag-hidden', page.state.hide.includes(name) && !page.state.show.includes(name));
    node.classList.toggle('flag-shown', page.state.show.includes(name));
    if (node.tagName === 'DETAILS' && page.state.show.includes(name)) node.open = true;
  });
  document.body.classList.toggle('racing', page.state.race.length > 0);
  $('race-view').hidden = page.state.race.length === 0;
  $('race-stop').hidden = page.state.race.length === 0;
  // A lesson link scrolls its first shown view into sight once, when the page opens.
  if (!page.scrolledToShow && page.state.show.length > 0) {
    page.scrolledToShow = true;
    const first = document.querySelector(`[data-panel="${page.state.show[0]}"]`);  // a name from the table
    if (first) requestAnimationFrame(() => first.scrollIntoView({ block: 'start' }));
  }
  const open = $('open-full');
  // In a sandbox without allow-popups (our embed code) a new tab cannot open: no dead link.
  open.hidden = !page.state.embed || window.origin === 'null';
  if (page.state.embed) {
    const full = { ...page.state, embed: false, hide: [], show: [] };
    open.href = `./#${serialize(full)}`;
  }
}

function showRuleText() {
  const info = RULE_INFO[page.state.rule];
  const panel = RULE_PANEL[page.state.rule];
  const idea = document.createElement('p');
  idea.textContent = panel.idea.join(' ');
  $('explain-text').replaceChildren(idea);
  $('explain-title').textContent = `How it learns: ${info.name}`;
  $('explain-formula').replaceChildren(...panel.formula.map((f) => {
    const m = mathElement(document, f);
    m.setAttribute('aria-label', mathText(f));
    return m;
  }));
  $('explain-formula').dataset.rule = page.state.rule;
  $('explain-watch').textContent = panel.watch;
  $('explain-cite').textContent = citationText(panel.cite);
  const a = $('explain-paper');
  a.href = panel.cite.url;
  a.textContent = `Read the paper (${panel.cite.venue})`;
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
    const keep = { dataset: page.state.dataset, seed: page.state.seed, embed: page.state.embed, hide: page.state.hide,
      show: page.state.show, autoplay: page.state.autoplay, race: page.state.race };
    page.state = { ...presetState(value), ...keep };
  } else {
    page.state = { ...page.state, [key]: value };
  }
  settingsChanged();
}

// play: whether the new run trains at once (default: if the old one was, or nothing ran yet).
function settingsChanged(play = page.playing || !page.everStarted) {
  writeHash();
  controls.show(page.state);
  applyLayoutFlags();
  showRuleText();
  restart(play);
}

// --- charts -----------------------------------------------------------------------------------

function makeCharts() {
  for (const c of Object.values(page.charts)) c.destroy();
  page.charts = {
    loss: new LineChart($('chart-loss'), { xLabel: 'examples', series: [{ label: 'loss' }] }),
    acc: new LineChart($('chart-acc'), {
      xLabel: 'examples', yFormat: percent,
      series: [{ label: 'first 1k test', markers: true }, { label: 'full test set', points: true, color: '#d55e00' }],
    }),
    accTime: new LineChart($('chart-acc-time'), {
      xLabel: 'seconds', yFormat: percent,
      series: [{ label: 'first 1k test', markers: true }, { label: 'full test set', points: true, color: '#d55e00' }],
    }),
    speed: new LineChart($('chart-speed'), { xLabel: 'seconds', yFormat: formatCount, series: [{ label: 'examples/s', color: '#009e73' }] }),
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
  const parts = Object.entries(m.figures || {}).filter(([, v]) => Number.isFinite(v)).map(([k, v]) =>
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
        // Okabe-Ito colours (colour-blind safe); negatives dashed as well.
        color: /neg$/.test(k) ? ['#d55e00', '#e69f00', '#cc79a7', '#7a5c00'][Math.floor(i / 2) % 4]
          : ['#0072b2', '#009e73', '#56b4e9', '#555555'][Math.floor(i / 2) % 4],
        dash: /neg$/.test(k) ? [6, 4] : undefined,
      })),
    });
  }
  page.figureChart.append(x, keys.map((k) => figures[k]));
}

// At most one chart redraws per animation frame (each is throttled to a few redraws a second),
// so no frame's work adds up to a long task.
let nextChart = 0;
// The inside views get a frame of their own, one piece per frame, and only while visible.
function frame(now) {
  const charts = [...Object.values(page.charts), ...(page.figureChart ? [page.figureChart] : [])];
  let drew = page.race ? page.race.draw(now) : false;
  for (let i = 0; i < charts.length && !drew; i++) {
    const c = charts[(nextChart + i) % charts.length];
    if (c.draw(now)) { nextChart = (nextChart + i + 1) % charts.length; drew = true; break; }
  }
  if (!drew && page.insideVisible) drawPendingView();
  requestAnimationFrame(frame);
}

function drawPendingView() {
  const p = page.pending;
  if (p.confusion) {
    const m = p.confusion;
    p.confusion = null;
    $('confusion-hint').textContent = `Quick view, updated between epoch ends: the first ${m.count} test images (${m.correct} right). Rows: the true digit; columns: the model's guess.`;
    drawConfusion($('confusion'), m);
  } else if (p.confusionFull) {
    const m = p.confusionFull;
    p.confusionFull = null;
    $('confusion-full-hint').textContent = `Full test set (${m.count.toLocaleString('en-US')} images, epoch ${m.epoch}; ${m.correct.toLocaleString('en-US')} right):`;
    $('confusion-full-hint').hidden = false;
    $('confusion-full-wrap').hidden = false;
    drawConfusion($('confusion-full'), m);
  } else if (p.ghist) {
    const layers = p.ghist;
    p.ghist = null;
    $('ghist-view').hidden = false;
    drawGoodnessHist($('ghist'), $('ghist-summary'), layers);
  } else if (p.gallery) {
    const m = p.gallery;
    const next = drawGallery($('gallery'), m, pickDigit, m.next || 0, 8);
    if (next < 0) p.gallery = null; else p.gallery = { ...m, next };
  } else if (p.explain) {
    const m = p.explain;
    p.explain = null;
    drawExplain(m);
  }
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
      // white -> blue (#0072b2) for positive, white -> vermillion (#d55e00) for negative
      const [r, g, b] = v >= 0 ? [0, 114, 178] : [213, 94, 0];
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

// --- draw a digit, inside views ---------------------------------------------------------------

// One prediction in flight at a time; a drawing that changes meanwhile is sent when it returns.
function requestPrediction() {
  if (!page.worker || !page.pad) return;
  const pixels = page.pad.pixels;
  if (!pixels) return;
  if (page.predictBusy) { page.predictAgain = true; return; }
  page.predictBusy = true;
  page.lastPredictAt = performance.now();
  page.worker.postMessage({ type: 'predict', id: ++page.predictId, runId: page.runId, pixels: pixels.slice() });
}

function onDigit(pixels) {
  drawDigit($('draw-preview'), pixels || new Float32Array(784));
  if (!pixels) {
    $('draw-prediction').textContent = '–';
    $('draw-scores').replaceChildren();
    $('draw-kind').textContent = '';
    return;
  }
  requestPrediction();
}

function onPrediction(m) {
  page.predictBusy = false;
  if (page.predictAgain) { page.predictAgain = false; requestPrediction(); }
  if (!page.pad.pixels) return;
  if (m.none) { $('draw-prediction').textContent = '–'; $('draw-kind').textContent = 'No model yet: wait for the data to load.'; return; }
  $('draw-prediction').textContent = String(m.predicted);
  $('draw-kind').textContent = m.kind === 'goodness'
    ? 'Goodness of each label, summed over the layers the prediction uses (Forward-Forward predicts the label with the most goodness).'
    : 'Probability of each digit.';
  drawBars($('draw-scores'), m.scores, m);
}

function pickDigit(index) {
  page.explainIndex = index;
  if (page.worker) page.worker.postMessage({ type: 'explain', index });
}

// The latest figures for screen readers: politely, at most every 10 s.
function speak(m) {
  const now = performance.now();
  if (now - page.lastSpoken < 10000) return;
  page.lastSpoken = now;
  $('live-summary').textContent = `Test accuracy ${percent(m.accuracy)} after ${m.examples.toLocaleString('en-US')} examples, ${m.wallSeconds.toFixed(0)} seconds.`;
}

// --- export and import -----------------------------------------------------------------------

function download(blob, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

function runName() {
  return `forward-lab-${page.state.rule}-${page.state.hidden.join('x')}-seed${page.state.seed}`;
}

// Every chart's series so far: {chart: {x, series: [labels], rows: [[x, y1, ...]]}}.
function metricsData() {
  const charts = { ...page.charts, ...(page.figureChart ? { figures: page.figureChart } : {}) };
  const out = {};
  for (const [name, c] of Object.entries(charts)) {
    out[name] = {
      x: c.plot.series[0].label,
      series: c.series.map((s) => s.label),
      rows: c.data[0].map((x, i) => [x, ...c.data.slice(1).map((col) => col[i])]),
    };
  }
  return out;
}

function exportJson() {
  const body = { settings: toConfig(page.state), charts: metricsData() };
  download(new Blob([JSON.stringify(body, null, 1)], { type: 'application/json' }), `${runName()}-metrics.json`);
}

function exportCsv() {
  const lines = ['chart,series,x_name,x,value'];
  const q = (t) => (/[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t);
  for (const [name, c] of Object.entries(metricsData())) {
    for (const row of c.rows) {
      c.series.forEach((label, i) => {
        if (row[i + 1] != null) lines.push([name, q(label), q(c.x), row[0], row[i + 1]].join(','));
      });
    }
  }
  download(new Blob([`${lines.join('\n')}\n`], { type: 'text/csv' }), `${runName()}-metrics.csv`);
}

function onWeightsFile(m) {
  if (m.none) { notice(m.message || 'There is no model yet: wait for the data to load.', 'warn', 'weights'); return; }
  download(new Blob([m.bytes], { type: 'application/octet-stream' }), `${runName()}.fwdlab`);
}

async function importWeights(input) {
  const file = input.files && input.files[0];
  if (!file || !page.worker) return;
  const bytes = new Uint8Array(await file.arrayBuffer());
  input.value = '';
  // The file's name is quoted in the messages about it: shown escaped and at most 120 long.
  page.worker.postMessage({ type: 'load-weights', bytes, name: visibleText(file.name, 120), runId: page.runId });
}

function chartPng(name) {
  const chart = name === 'figures' ? page.figureChart : page.charts[{ loss: 'loss', acc: 'acc', 'acc-time': 'accTime', speed: 'speed' }[name]];
  if (!chart) return;
  chart.draw(performance.now(), true);
  const src = chart.plot.ctx.canvas;
  const c = document.createElement('canvas');
  c.width = src.width;
  c.height = src.height;
  const ctx = c.getContext('2d');
  ctx.fillStyle = getComputedStyle(document.body).backgroundColor || '#fff';
  ctx.fillRect(0, 0, c.width, c.height);
  ctx.drawImage(src, 0, 0);
  c.toBlob((blob) => { if (blob) download(blob, `${runName()}-${name}.png`); }, 'image/png');
}

// --- faults -------------------------------------------------------------------------------------

// A run the worker stopped: bad settings, data that could not be read, or divergence. Each
// notice says what happened and offers the way out.
function onRunError(m) {
  setPlaying(false);
  setStatus('Stopped.');
  if (m.name === 'ConfigError') {
    notice(`The settings were refused: ${m.message}`, 'error', 'run');
  } else if (m.name === 'DataError') {
    notice(`Could not load the data: ${m.message}`, 'error', 'run', false,
      [{ label: 'Retry', run: () => restart(true) }]);
  } else if (m.name === 'DivergenceError') {
    const lr = smallerRate(page.state.lr, presetState(page.state.rule).lr);
    notice(`Training diverged: ${m.message} The charts stop at the last finite values; Reset starts a new model.`, 'error', 'run', false,
      lr ? [{ label: `Use learning rate ${formatValue(BY_KEY.lr, lr)} and start again`, run: () => {
        page.state = { ...page.state, lr };
        settingsChanged(true);
      } }] : []);
  } else {
    notice(`Something went wrong: ${m.message}`, 'error', 'run');
  }
}

// The rate to offer after a divergence: the rule's preset rate if `lr` is above it (one click to
// a rate known to work), else a tenth of `lr` rounded to 3 digits; null below the table's minimum.
function smallerRate(lr, preset) {
  const next = lr > preset ? preset : Number((lr / 10).toPrecision(3));
  return next >= BY_KEY.lr.min ? next : null;
}

// The worker died (an uncaught error, a wasm abort, or silence while training). The charts and
// numbers stay; the notice offers a new worker that starts from the last weights snapshot.
function workerDied(reason) {
  if (page.crashed) return;
  page.crashed = true;
  setPlaying(false);
  if (page.worker) page.worker.terminate();
  page.worker = null;
  page.ready = false;
  setStatus('Stopped: the training worker died.');
  const snap = page.snapshot;
  const actions = snap
    ? [{ label: `Restart from the last saved weights (${snap.examples.toLocaleString('en-US')} examples)`, run: () => startFresh(snap) },
      { label: 'Start over', run: () => startFresh(null, true) }]
    : [{ label: 'Start over', run: () => startFresh(null, true) }];
  notice(`The training stopped: ${reason}. The charts so far are kept.`, 'error', 'run', false, actions);
}

// A new worker; once ready it resumes from `snapshot`, or starts a new run (training if `play`).
function startFresh(snapshot, play = false) {
  page.crashed = false;
  page.resumeFrom = snapshot;
  page.playOnReady = play;
  setStatus('Starting a new worker…');
  startWorker().then(attachWorker).catch((e) => notice(`Could not start the training worker: ${e.message}`, 'error', 'run'));
}

// Continues the run from a snapshot in the new worker: the charts keep what they have up to the
// snapshot (later points came from weights that are gone) and go on from there.
function resumeRun(snap) {
  page.resumeFrom = null;
  page.runId++;
  page.phase = null;
  for (const [name, c] of Object.entries(page.charts)) c.truncate(name === 'accTime' || name === 'speed' ? snap.wallSeconds : snap.examples);
  if (page.figureChart) page.figureChart.truncate(snap.examples);
  page.speedWindow = null;
  $('n-examples').textContent = snap.examples.toLocaleString('en-US');
  page.snapshot = snap;
  notice(`Restarted from the weights saved after ${snap.examples.toLocaleString('en-US')} examples.`, 'info', 'run');
  setPlaying(true);
  const bytes = snap.bytes.slice();  // keep our copy: the worker gets its own
  page.worker.postMessage({ type: 'reset', config: toConfig(page.state), play: true, runId: page.runId,
    resume: { bytes, examples: snap.examples, wallSeconds: snap.wallSeconds, trainSeconds: snap.trainSeconds } }, [bytes.buffer]);
  sendViewsState();
}

// The watchdog: while the worker should be training it posts metrics ten times a second. Silence
// for WATCHDOG_MS (longer than any single evaluation; tests set window.__fwdlabWatchdogMs) means
// it is gone. Only counted while the page is visible and its own timer runs on time: a hidden tab
// throttles timers, a frozen one stops them (and its workers), and a stalled main thread gets
// its queued messages only after the timer may have fired; in each case the clock restarts.
const WATCHDOG_MS = 60000;
let lastWatchdogTick = 0;
function watchdog() {
  const now = performance.now();
  if (now - lastWatchdogTick > 5000) page.lastWorkerMessage = now;  // the page itself was not running
  lastWatchdogTick = now;
  const limit = window.__fwdlabWatchdogMs || WATCHDOG_MS;
  const training = page.playing && !page.blocked && !page.crashed && page.worker && (page.phase === 'warmup' || page.phase === 'main');
  if (training && document.visibilityState === 'visible' && performance.now() - page.lastWorkerMessage > limit) {
    workerDied(`the worker stopped answering for ${Math.round(limit / 1000)} s`);
  }
}

// The worker computes the inside views only while someone can see them: the section on screen,
// the tab visible and the checkbox on; likewise the first-layer weights (their own section).
function sendViewsState() {
  const shown = document.visibilityState === 'visible';
  const on = $('views-on').checked && page.insideVisible && shown;
  const weights = page.weightsVisible && shown;
  const key = `${on}/${weights}`;
  if (page.worker && page.ready && key !== page.viewsSent) {
    page.viewsSent = key;
    page.worker.postMessage({ type: 'views', on, weights });
  }
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
  page.lastViews = null;
  page.pending = {};
  $('confusion').replaceChildren();
  page.lastViewsFull = null;
  $('confusion-full').replaceChildren();
  $('confusion-full-hint').textContent = '';
  $('confusion-full-hint').hidden = true;
  $('confusion-full-wrap').hidden = true;
  $('gallery').replaceChildren();
  $('gallery').pool = null;
  $('ghist').replaceChildren();
  $('ghist-summary').textContent = '';
  $('ghist-view').hidden = true;
  $('explain-caption').textContent = 'Waiting for the model…';
  $('explain-goodness').replaceChildren();
  $('explain-scores').replaceChildren();
  $('live-summary').textContent = '';
  page.lastSpoken = 0;
}

function restart(play) {
  if (page.crashed) { startFresh(null, play); return; }  // a change after a crash: a new worker
  if (!page.ready) return;
  page.runId++;
  page.everStarted = true;
  page.snapshot = null;
  page.phase = null;
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
  if (page.race) { page.race.destroy(); page.race = null; }
  if (page.state.race.length > 0) {
    // Race mode: the page's own worker runs nothing; one worker per lane (race.js).
    page.worker.postMessage({ type: 'stop', runId: page.runId });
    page.blocked = true;
    const names = page.state.race.map((r) => RULE_INFO[r].short).join(' vs ');
    const cores = navigator.hardwareConcurrency || 2;
    $('race-title').textContent = `Race: ${names}`;
    $('race-hint').textContent = `Same data (seed ${page.state.seed}, batch ${page.state.batch}), each rule with its preset. `
      + `${Math.min(cores, page.state.race.length)} of ${page.state.race.length} lanes train at once (${cores} cores)`
      + `${page.state.race.length > cores ? ', taking turns every 0.5 s' : ''}.`;
    setStatus(`Racing ${names}.`);
    page.race = new Race({
      state: page.state, startWorker, cores,
      els: { lanes: $('race-lanes'), accChart: $('race-chart-acc'), timeChart: $('race-chart-time'),
        cosineFigure: $('race-cosine'), cosineChart: $('race-chart-cosine') },
      onNotice: (text) => notice(text, 'error', 'run', true),
    });
    if (play) page.race.play();
    return;
  }
  page.worker.postMessage({ type: 'reset', config: toConfig(page.state), play: !!play, runId: page.runId });
  sendViewsState();
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
  page.lastWorkerMessage = performance.now();
  const aboutRuns = ['status', 'metrics', 'eval', 'weights', 'error', 'views', 'views-full', 'explain', 'snapshot'].includes(m.type);
  if (aboutRuns && m.runId !== page.runId) return;  // sent before the page started another run
  switch (m.type) {
    case 'ready':
      page.ready = true;
      page.unavailable = m.unavailable || {};
      controls.markUnavailable(page.unavailable);
      if (page.resumeFrom) resumeRun(page.resumeFrom);  // a new worker after a crash
      else if (page.playOnReady !== undefined) restart(page.playOnReady);  // likewise, from scratch
      else restart(page.state.autoplay);  // training starts as soon as data allow (unless autoplay=0)
      page.playOnReady = undefined;
      break;
    case 'snapshot':
      page.snapshot = m;
      break;
    case 'fatal':
      workerDied(`the WebAssembly module stopped (${m.message})`);
      break;
    case 'progress': {
      if (m.done) offline.dataUsed(m.dataset);  // the service worker keeps it for offline use
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
      page.phase = m.phase;
      setStatus(PHASE_TEXT[m.phase] || m.phase);
      if (!m.playing && page.playing && (m.phase === 'finished' || m.phase === 'failed')) setPlaying(false);
      break;
    case 'metrics':
      if (page.blocked) break;
      if (!document.documentElement.dataset.firstTrainMs) {
        document.documentElement.dataset.firstTrainMs = String(Math.round(performance.now()));
      }
      page.lastMetrics = m;
      $('n-epoch').textContent = m.epoch.toFixed(2);
      $('n-examples').textContent = m.examples.toLocaleString('en-US');
      $('n-time').textContent = `${m.wallSeconds.toFixed(1)} s`;
      page.charts.loss.append(m.examples, [m.loss]);
      speedSample(m);
      drawFigures(m.examples, m.figures);
      break;
    case 'eval': {
      if (page.blocked || !Number.isFinite(m.accuracy)) break;
      const a = $('n-accuracy');
      a.textContent = percent(m.accuracy);
      a.title = m.full ? `on all ${m.count.toLocaleString('en-US')} test images` : `on the first ${m.count.toLocaleString('en-US')} test images`;
      a.dataset.value = String(m.accuracy);
      const row = m.full ? [null, m.accuracy] : [m.accuracy, null];
      page.charts.acc.append(m.examples, row);
      page.charts.accTime.append(m.wallSeconds, row);
      showEvalFigures(m);
      speak(m);
      // The model changed: a drawing on the pad is predicted again (about once a second).
      if (page.pad && page.pad.pixels && performance.now() - page.lastPredictAt > 900) requestPrediction();
      break;
    }
    case 'weights':
      if (!page.blocked) drawWeights(m);
      break;
    case 'prediction':
      onPrediction(m);
      break;
    case 'views-full':
      if (page.blocked) break;
      page.lastViewsFull = m;
      page.pending.confusionFull = m;
      break;
    case 'views':
      if (page.blocked) break;
      page.lastViews = m;
      page.pending.confusion = m;
      page.pending.gallery = m;
      page.pending.ghist = m.goodness && m.goodness.length ? m.goodness : null;
      if (!page.pending.ghist) $('ghist-view').hidden = true;
      break;
    case 'explain':
      if (page.blocked) break;
      page.explainIndex = m.index;
      page.pending.explain = m;
      break;
    case 'weights-file':
      onWeightsFile(m);
      break;
    case 'weights-loaded':
      // The core's message may quote the file's own rule and tensor names: shown escaped.
      notice(m.ok ? m.message : `The weights were not loaded (the current model is kept): ${visibleText(m.message, 600)}`, m.ok ? 'info' : 'error', 'weights');
      if (m.ok) requestPrediction();
      break;
    case 'error':
      onRunError(m);
      break;
    default:
      break;
  }
}

// Workers need a same-origin script URL. In a sandboxed iframe (opaque origin) that fails, so
// the script is fetched and started from a blob: URL instead.
async function startWorker(script = 'js/worker.js') {
  const url = new URL(script, document.baseURI).href;
  try {
    return new Worker(url);
  } catch (e) {
    const text = await (await fetch(url)).text();
    return new Worker(URL.createObjectURL(new Blob([text], { type: 'text/javascript' })));
  }
}

// --- share ------------------------------------------------------------------------------------

// The page's address with `state` as its hash. The query is dropped: the page never reads it,
// so a link it makes carries nothing but the settings it has checked.
function pageUrl(state) {
  const u = new URL(document.baseURI);
  u.search = '';
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
const offline = startOffline($('notices'));
page.state = readHash();
writeHash();
controls.show(page.state);
applyLayoutFlags();
showRuleText();
requestAnimationFrame(frame);

$('play').addEventListener('click', () => {
  if (page.race) {
    if (page.playing) page.race.pause(); else page.race.play();
    setPlaying(!page.playing);
    return;
  }
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
$('reset').addEventListener('click', () => (page.crashed ? startFresh(null, false) : restart(false)));
page.pad = new DigitPad($('draw-canvas'), onDigit, { cursor: $('draw-cursor'), onPen: (text) => { $('draw-pen').textContent = text; } });
// Whether each watched section is on screen (IntersectionObserver reports changes only).
const onScreen = new Map();
const sectionObserver = new IntersectionObserver((entries) => {
  for (const e of entries) onScreen.set(e.target, e.isIntersecting);
  page.insideVisible = !!onScreen.get($('inside-title').parentElement);
  page.weightsVisible = !!onScreen.get($('weights-title').parentElement);
  sendViewsState();
});
sectionObserver.observe($('inside-title').parentElement);
sectionObserver.observe($('weights-title').parentElement);
$('draw-clear').addEventListener('click', () => page.pad.clear());
$('explain-next').addEventListener('click', () => pickDigit((page.explainIndex + 1) % 300));
$('views-on').addEventListener('change', sendViewsState);
$('export-csv').addEventListener('click', exportCsv);
$('export-json').addEventListener('click', exportJson);
$('save-weights').addEventListener('click', () => { if (page.worker) page.worker.postMessage({ type: 'save-weights' }); });
$('load-weights').addEventListener('change', (e) => importWeights(e.target));
document.querySelectorAll('button.png').forEach((b) => b.addEventListener('click', () => chartPng(b.dataset.chart)));
$('preset').addEventListener('click', () => onSettingChange('rule', page.state.rule));
for (const r of RACES) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = r.name;
  b.addEventListener('click', () => onSettingChange('race', [...r.rules]));
  $('race-presets').append(b);
}
$('race-stop').addEventListener('click', () => onSettingChange('race', []));
$('share').addEventListener('click', () => copyText(pageUrl({ ...page.state }), 'Link'));
$('embed-code').addEventListener('click', () => copyText(embedCode(), 'Embed code'));
window.addEventListener('hashchange', () => {
  if (location.hash === `#${serialize(page.state)}`) return;
  page.state = readHash();
  writeHash();
  controls.show(page.state);
  applyLayoutFlags();
  showRuleText();
  restart(page.state.autoplay);
});

function attachWorker(worker) {
  page.worker = worker;
  page.viewsSent = undefined;
  page.lastWorkerMessage = performance.now();
  worker.onmessage = onWorkerMessage;
  // An exception nothing in the worker caught: its state is unknown, so it counts as dead.
  worker.onerror = (e) => { e.preventDefault(); workerDied(`an error in the worker (${e.message || 'unknown error'})`); };
  // Browser tests (and only they) set window.__fwdlabTestHooks to reach the worker's fault hooks.
  worker.postMessage({ type: 'init', base: new URL('.', document.baseURI).href, testHooks: !!window.__fwdlabTestHooks });
  // Evaluations in their own worker, on the second core (eval_client.js); training never waits.
  // A restarted training worker (after a crash) gets a fresh evaluation worker; the old one goes.
  if (page.evalWorker) page.evalWorker.terminate();
  page.evalWorker = null;
  attachEvalWorker(worker, onWorkerMessage, startWorker)
    .then((w) => { page.evalWorker = w; })
    .catch((e) => console.error(`evaluation worker: ${e.message}`));
}

startWorker().then(attachWorker).catch((e) => notice(`Could not start the training worker: ${e.message}`, 'error', 'run'));
setInterval(watchdog, 1000);
document.addEventListener('visibilitychange', () => {
  page.lastWorkerMessage = performance.now();
  sendViewsState();
});
document.addEventListener('resume', () => { page.lastWorkerMessage = performance.now(); });

// For the browser tests and the curious: read-only numbers about this page.
export { page, formatCount, formatNumber, formatValue };
