// Runs benchmark workers in headless Chromium (Debian's, through playwright-core): our wasm build
// and TensorFlow.js, one worker at a time in one page, timed by wall clock and by the worker
// thread's CPU time.
//
// The pages are served from build/bench-site/, a directory of links: site -> dist/ (the real site,
// with its data), wasm -> the wasm build under test, bench -> bench/web/, tfjs/* -> the npm packages.
'use strict';
const fs = require('fs');
const path = require('path');
const { listen } = require('../scripts/static-server.js');
const { launch } = require('../tests/browser/helpers.js');
const { threadCpuSeconds } = require('./proc_cpu.js');

const root = path.resolve(__dirname, '..');

function linkSite({ wasmDir, distDir }) {
  const dir = path.join(root, 'build', 'bench-site');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'tfjs'), { recursive: true });
  const links = {
    site: distDir,
    wasm: wasmDir,
    bench: path.join(__dirname, 'web'),
    'tfjs/tfjs': path.join(root, 'node_modules', '@tensorflow', 'tfjs'),
    'tfjs/tfjs-backend-wasm': path.join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm'),
  };
  for (const [name, target] of Object.entries(links)) {
    if (!fs.existsSync(target)) throw new Error(`${path.relative(root, target)} is missing (bench site: ${name})`);
    fs.symlinkSync(target, path.join(dir, name));
  }
  return dir;
}

// {browser, url (the bench site's root), close()}.
async function open({ wasmDir, distDir }) {
  const { server, url } = await listen(linkSite({ wasmDir, distDir }), 18500 + Math.floor(Math.random() * 400));
  const browser = await launch();
  return { browser, url, close: async () => { await browser.close(); server.close(); } };
}

// One timed run in a fresh page: the worker loads and warms up, then trains; the worker threads'
// CPU time is read just before and after. Returns {examples, ms, cpuSeconds, perSecond,
// perCpuSecond, ...whatever the worker reported}.
async function timedRun(env, script, init, go) {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(`${env.url}bench/index.html`);
    await page.evaluate(([s, i]) => window.startWorker(s, i), [script, init]);
    const cpu0 = threadCpuSeconds();
    const done = await page.evaluate((g) => window.runWorker(g), go);
    const cpu1 = threadCpuSeconds();
    const cpuSeconds = cpu0 === null ? null : cpu1 - cpu0;
    return {
      ...done, cpuSeconds,
      perSecond: done.examples / (done.ms / 1000),
      // /proc counts in 10 ms ticks: below ~1 s of CPU the figure would be coarse.
      perCpuSecond: cpuSeconds && cpuSeconds >= 1 ? done.examples / cpuSeconds : null,
    };
  } finally {
    await context.close();
  }
}

module.exports = { open, timedRun };
