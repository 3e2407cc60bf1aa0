// Race mode: two to four rules trained side by side, one worker (worker.js) per lane, on the same
// data order (same seed and batch size: the core's batch order depends only on the seed) and
// drawn on shared charts, one series per lane.
//
// Fair turns: at most navigator.hardwareConcurrency lanes train at once. When lanes outnumber
// cores, the page hands out turn tokens round-robin every TURN_MS: a lane trains only while it
// holds one (the page sends it 'play'; losing the token sends 'pause'). Each lane's "time" is
// its own training time (the worker's wallSeconds counts only while it plays), so the
// accuracy-against-time chart compares the rules, not the turns.
//
// Data: each lane's worker fetches the gzip files itself; the browser's HTTP cache serves the
// second and later lanes without a new download (decompression is per lane).
import { presetState, toConfig } from './url_state.js';
import { RULE_INFO } from './rules.js';
import { LineChart, formatCount, formatNumber, percent } from './charts.js';

const TURN_MS = 500;
// Okabe-Ito, one per lane.
const LANE_COLORS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7'];
// Forward-gradient rules: their lanes report the cosine between the estimate and the true
// gradient, drawn on a shared chart (log y: FG-W's is ~0.001, FG-A's ~0.2).
const COSINE_RULES = new Set(['fgw', 'fga', 'lg-fga']);

export class Race {
  // state: the page's settings (race, dataset, seed, batch, epochs); startWorker(): a Worker.
  // els: {lanes, accChart, timeChart}; onEvent(kind, text) for notices.
  constructor({ state, startWorker, els, onNotice, cores }) {
    this.rules = [...state.race];
    this.els = els;
    this.onNotice = onNotice;
    this.cores = Math.max(1, cores || 2);
    this.playing = false;
    this.turn = 0;
    this.timer = null;
    this.destroyed = false;
    const shared = { dataset: state.dataset, seed: state.seed, batch: state.batch, epochs: state.epochs };
    this.lanes = this.rules.map((rule, i) => ({
      index: i,
      rule,
      cosine: COSINE_RULES.has(rule),
      config: toConfig({ ...presetState(rule), ...shared, ...(COSINE_RULES.has(rule) ? { report_cosine: true } : {}) }),
      cosinePoints: 0,
      worker: null,
      ready: false,
      phase: 'loading',
      done: false,
      token: false,
      examples: 0,
      accuracy: null,
      speed: null,
      speedWindow: null,
      firstBatch: null,
      nodes: null,
    }));
    this.buildLanes();
    const series = this.lanes.map((l, i) => ({ label: RULE_INFO[l.rule].short, markers: true, color: LANE_COLORS[i] }));
    this.charts = {
      acc: new LineChart(els.accChart, { xLabel: 'examples', yFormat: percent, series }),
      time: new LineChart(els.timeChart, { xLabel: 'seconds of training', yFormat: percent, series }),
    };
    this.cosineLanes = this.lanes.filter((l) => l.cosine);
    if (els.cosineFigure) els.cosineFigure.hidden = this.cosineLanes.length === 0;
    if (this.cosineLanes.length > 0 && els.cosineChart) {
      this.charts.cosine = new LineChart(els.cosineChart, {
        xLabel: 'examples', yLog: true, yFormat: formatNumber,
        series: this.cosineLanes.map((l) => ({ label: RULE_INFO[l.rule].short, color: LANE_COLORS[l.index] })),
      });
    }
    for (const lane of this.lanes) {
      startWorker().then((worker) => {
        if (this.destroyed) { worker.terminate(); return; }
        lane.worker = worker;
        worker.onmessage = (e) => this.onMessage(lane, e.data);
        worker.onerror = (e) => this.onNotice(`Lane ${RULE_INFO[lane.rule].short}: the worker failed: ${e.message || 'unknown error'}`);
        worker.postMessage({ type: 'init', base: new URL('.', document.baseURI).href });
      }).catch((e) => this.onNotice(`Could not start a race worker: ${e.message}`));
    }
  }

  // One row per lane: name, status, accuracy, examples, examples/s (all text via textContent).
  buildLanes() {
    const box = this.els.lanes;
    box.replaceChildren();
    for (const lane of this.lanes) {
      const li = document.createElement('li');
      li.className = 'lane';
      li.dataset.rule = lane.rule;
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = LANE_COLORS[lane.index];
      const name = document.createElement('strong');
      name.className = 'lane-name';
      name.textContent = RULE_INFO[lane.rule].name;
      const dl = document.createElement('dl');
      dl.className = 'lane-numbers';
      const field = (label, cls) => {
        const div = document.createElement('div');
        const dt = document.createElement('dt');
        dt.textContent = label;
        const dd = document.createElement('dd');
        dd.className = cls;
        dd.textContent = '–';
        div.append(dt, dd);
        dl.append(div);
        return dd;
      };
      const accuracy = field('Test accuracy', 'lane-accuracy');
      const examples = field('Examples seen', 'lane-examples');
      const speed = field('Examples/s', 'lane-speed');
      const status = document.createElement('span');
      status.className = 'lane-status hint';
      status.textContent = 'Starting…';
      li.append(swatch, name, status, dl);
      box.append(li);
      lane.nodes = { li, accuracy, examples, speed, status };
    }
  }

  onMessage(lane, m) {
    if (this.destroyed) return;
    switch (m.type) {
      case 'ready':
        if (m.unavailable && m.unavailable[lane.rule]) {
          lane.done = true;
          lane.nodes.status.textContent = 'Not available in this build.';
          this.onNotice(m.unavailable[lane.rule]);
          break;
        }
        lane.ready = true;
        lane.worker.postMessage({ type: 'views', on: false, weights: false });  // a lane draws no inside views
        lane.worker.postMessage({ type: 'reset', config: lane.config, play: false, runId: 1 });
        this.schedule();
        break;
      case 'status':
        lane.phase = m.phase;
        if (m.phase === 'finished' || m.phase === 'failed') {
          if (!lane.done) { lane.done = true; this.schedule(); }
        }
        lane.nodes.status.textContent = m.phase === 'finished' ? 'Finished.' : m.phase === 'failed' ? 'Stopped.'
          : m.phase === 'loading' ? 'Loading the data…' : m.playing ? 'Training.' : 'Waiting for its turn.';
        lane.nodes.li.dataset.phase = m.phase;
        break;
      case 'metrics':
        if (m.firstBatch) {
          lane.firstBatch = m.firstBatch;
          lane.nodes.li.dataset.firstBatch = m.firstBatch.join(',');  // numbers only; read by the tests
        }
        lane.examples = m.examples;
        lane.nodes.examples.textContent = m.examples.toLocaleString('en-US');
        this.speedSample(lane, m);
        this.cosineSample(lane, m);
        break;
      case 'eval': {
        lane.accuracy = m.accuracy;
        lane.nodes.accuracy.textContent = percent(m.accuracy);
        lane.nodes.accuracy.dataset.value = String(m.accuracy);
        const row = this.lanes.map((l) => (l === lane ? m.accuracy : null));
        this.charts.acc.insert(m.examples, row);
        this.charts.time.insert(m.wallSeconds, row);
        break;
      }
      case 'error':
        lane.done = true;
        lane.nodes.status.textContent = 'Stopped.';
        this.onNotice(`Lane ${RULE_INFO[lane.rule].short}: ${m.message}`);
        this.schedule();
        break;
      default:
        break;
    }
  }

  // The step window's mean cosine to the true gradient (forward-gradient lanes only).
  cosineSample(lane, m) {
    const v = m.figures && m.figures.cosine;
    if (!lane.cosine || !this.charts.cosine || v == null || !Number.isFinite(v)) return;
    this.charts.cosine.insert(m.examples, this.cosineLanes.map((l) => (l === lane ? v : null)));
    lane.cosinePoints += 1;
    lane.nodes.li.dataset.cosine = String(v);  // numbers only; read by the tests
    lane.nodes.li.dataset.cosinePoints = String(lane.cosinePoints);
  }

  speedSample(lane, m) {
    const w = lane.speedWindow;
    if (!w || m.trainSeconds < w.trainSeconds) { lane.speedWindow = { examples: m.examples, trainSeconds: m.trainSeconds }; return; }
    const dt = m.trainSeconds - w.trainSeconds;
    if (dt < 1) return;
    lane.speed = (m.examples - w.examples) / dt;
    lane.speedWindow = { examples: m.examples, trainSeconds: m.trainSeconds };
    lane.nodes.speed.textContent = formatCount(Math.round(lane.speed));
    lane.nodes.speed.dataset.value = String(lane.speed);
  }

  // Hands the turn tokens to the next `cores` runnable lanes (round-robin) and tells every lane
  // whose token changed to play or pause.
  schedule() {
    if (this.destroyed) return;
    const runnable = this.lanes.filter((l) => l.ready && !l.done);
    const slots = Math.min(this.cores, runnable.length);
    const holders = new Set();
    if (this.playing) {
      for (let i = 0; i < slots; i++) holders.add(runnable[(this.turn + i) % runnable.length]);
    }
    for (const lane of this.lanes) {
      const want = holders.has(lane);
      if (want === lane.token || !lane.worker || !lane.ready) continue;
      lane.token = want;
      lane.worker.postMessage({ type: want ? 'play' : 'pause' });
    }
    clearTimeout(this.timer);
    this.timer = null;
    if (this.playing && runnable.length > slots) {
      this.timer = setTimeout(() => { this.turn = (this.turn + slots) % runnable.length; this.schedule(); }, TURN_MS);
    }
  }

  play() { this.playing = true; this.schedule(); }

  pause() { this.playing = false; this.schedule(); }

  // Called once per animation frame by the page: at most one chart redraws.
  draw(now) {
    return this.charts.acc.draw(now) || this.charts.time.draw(now) || (this.charts.cosine ? this.charts.cosine.draw(now) : false);
  }

  destroy() {
    this.destroyed = true;
    clearTimeout(this.timer);
    for (const lane of this.lanes) if (lane.worker) lane.worker.terminate();
    for (const c of Object.values(this.charts)) c.destroy();
    this.els.lanes.replaceChildren();
    if (this.els.cosineChart) this.els.cosineChart.replaceChildren();
    if (this.els.cosineFigure) this.els.cosineFigure.hidden = true;
  }
}
