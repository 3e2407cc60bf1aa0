// Shared by the browser tests and scripts/make-preview: serves dist/ on a free local port and
// starts Debian's Chromium headless through playwright-core.
'use strict';
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');
const { listen } = require('../../scripts/static-server.js');

const root = path.resolve(__dirname, '..', '..');
const dist = path.join(root, 'dist');

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
  '--no-first-run', '--disable-gpu'];

// Origins of the servers started here: the site's own. A request anywhere else is a problem.
const ownOrigins = new Set();

async function startServer(dir = dist) {
  const site = await listen(dir, 18000 + Math.floor(Math.random() * 1000), '127.0.0.1');
  ownOrigins.add(new URL(site.url).origin);
  return site;
}

async function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

// One local server on dist/ and one browser for a whole test file: registers node:test's
// before/after hooks and hands {url, browser} to `ready` once both run.
function serveAndLaunch(test, ready) {
  let server;
  let browser;
  test.before(async () => {
    assert.ok(fs.existsSync(path.join(dist, 'index.html')), 'dist/ is missing: run scripts/build-site first');
    let url;
    ({ server, url } = await startServer());
    browser = await launch();
    ready({ url, browser });
  });
  test.after(async () => {
    if (browser) await browser.close();
    if (server) server.close();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A new page (in a new context) that records into `problems` console errors, page errors,
// failed requests, Content-Security-Policy violations and any request to an origin other than
// the site's own (or `url`'s, or options.origins), and every request URL into `requests`.
// Service workers are blocked unless options.serviceWorkers is 'allow': a fresh context per
// test would otherwise install one each time and copy the whole data set into its cache,
// extra disk and CPU work under the timing-sensitive tests (sw.test.js tests the worker).
async function openPage(browser, url, options = {}) {
  const context = await browser.newContext({
    viewport: options.viewport || { width: 1280, height: 900 },
    serviceWorkers: options.serviceWorkers || 'block',
  });
  // Violations in the document (and its frames); worker.js reports its own the same way.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline code'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  const page = await context.newPage();
  const problems = [];
  const requests = [];
  const allowed = new Set([...ownOrigins, ...(options.origins || []), ...(url ? [new URL(url).origin] : [])]);
  context.on('request', (r) => {
    const u = new URL(r.url());
    requests.push(r.url());
    if (u.protocol === 'blob:' || u.protocol === 'data:') return;  // made by the page itself
    if (!allowed.has(u.origin)) problems.push(`request to another origin: ${r.url()}`);
  });
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure() && r.failure().errorText}`));
  if (url) await page.goto(url);
  return { context, page, problems, requests };
}

// Loads axe-core into the page for an accessibility audit. Not with page.addScriptTag: that
// adds an inline <script>, which the page's Content-Security-Policy (rightly) refuses; code
// evaluated through the DevTools protocol is not subject to it.
async function addAxe(page) {
  await page.evaluate(fs.readFileSync(path.join(root, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8'));
}

// Numbers shown on the page (in `frame`, a Page or a Frame).
async function readNumbers(frame) {
  return frame.evaluate(() => {
    const text = (id) => document.getElementById(id).textContent;
    const acc = document.getElementById('n-accuracy').dataset.value;
    return {
      examples: Number(text('n-examples').replace(/,/g, '')) || 0,
      epoch: Number(text('n-epoch')),
      accuracy: acc === undefined ? null : Number(acc),
      speed: Number(text('n-speed').replace(/,/g, '')) || 0,
      status: text('run-status'),
      notices: [...document.querySelectorAll('#notices .notice')].map((n) => n.textContent),
      firstTrainMs: Number(document.documentElement.dataset.firstTrainMs) || null,
    };
  });
}

// Polls until predicate(numbers) holds; returns the numbers. Throws with the last numbers on timeout.
async function waitForNumbers(frame, predicate, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    last = await readNumbers(frame);
    if (predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last numbers: ${JSON.stringify(last)}`);
}

// The ten scores the draw-a-digit panel shows, once the prediction of the current drawing is in:
// one prediction is in flight at a time and a drawing that changed meanwhile is sent when it
// returns, so this waits until none is pending and the rows exist (a fixed sleep was too short
// on a loaded machine).
async function settledScores(page, timeoutMs = 10000) {
  const end = Date.now() + timeoutMs;
  while (!(await page.evaluate(async () => {
    const { page: p } = await import('./js/main.js');
    return !p.predictBusy && !p.predictAgain && document.querySelectorAll('#draw-scores .score-row').length === 10;
  }))) {
    if (Date.now() > end) throw new Error('timed out waiting for the scores of the drawn digit');
    await sleep(100);
  }
  return page.$$eval('#draw-scores .score-row', (rows) => rows.map((r) => Number(r.dataset.value)));
}

module.exports = { root, dist, startServer, launch, serveAndLaunch, sleep, openPage, addAxe, readNumbers, waitForNumbers, settledScores };
