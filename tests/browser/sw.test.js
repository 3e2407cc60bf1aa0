// The service worker (web/sw.js, js/offline.js): a lesson link works offline after one visit,
// a new release replaces the cached app cleanly, and the page still works in iframes with
// service workers allowed. The other browser test files block service workers (helpers.js).
// Each test here starts its own server, so it can stop it or rebuild what it serves.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const h = require('./helpers.js');
const { listen } = require('../../scripts/static-server.js');

let browser;
h.serveAndLaunch(test, (site) => ({ browser } = site));

// The BUILD line scripts/build-site wrote into dir/sw.js: {app, data, files, data_files}.
function readBuild(dir) {
  const line = fs.readFileSync(path.join(dir, 'sw.js'), 'utf8').match(/^const BUILD = (\{.*\});$/m);
  assert.ok(line, `${dir}/sw.js has no BUILD line`);
  return JSON.parse(line[1]);
}

// {name: [relative paths]} of this page's Forward Lab caches.
async function cacheContents(page) {
  return page.evaluate(async () => {
    const out = {};
    for (const name of await caches.keys()) {
      if (!name.startsWith('fwdlab ')) continue;
      const scope = name.split(' ')[1];
      out[name] = (await (await caches.open(name)).keys()).map((r) => r.url.slice(scope.length)).sort();
    }
    return out;
  });
}

// Polls the page's caches until `predicate(contents)` holds.
async function waitForCaches(page, predicate, what, timeoutMs = 60000) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    last = await cacheContents(page);
    if (predicate(last)) return last;
    await h.sleep(250);
  }
  throw new Error(`timed out waiting for ${what}; caches: ${JSON.stringify(last)}`);
}

const appCache = (build, scope) => `fwdlab ${scope} app ${build.app}`;
const dataCache = (build, scope) => `fwdlab ${scope} data ${build.data}`;
const stop = (server) => { server.closeAllConnections(); server.close(); };

test('after one visit, a lesson link works offline (server stopped, browser offline)', { timeout: 180000 }, async () => {
  const build = readBuild(h.dist);
  const { server, url } = await h.startServer();
  const served = [];  // what the host sent for each data file (200: the bytes, 304: "unchanged")
  server.on('request', (req, res) => res.on('finish', () => {
    if (req.url.endsWith('.gz')) served.push(`${res.statusCode} ${path.basename(req.url)}`);
  }));
  const lesson = `${url}#rule=bp&seed=3&show=inside&autoplay=1`;
  const { context, page, problems } = await h.openPage(browser, null, { serviceWorkers: 'allow' });
  try {
    await page.goto(lesson);
    await h.waitForNumbers(page, (x) => x.examples > 0, 30000, 'training on the first visit');
    // The app at install; the data set once the page has all of it (the first visit's page
    // and worker started before the service worker existed, so the page asks for it).
    const caches = await waitForCaches(page, (c) => (c[appCache(build, url)] || []).length === build.files.length
      && (c[dataCache(build, url)] || []).length === build.data_files.mnist.length, 'the app and MNIST in the caches');
    assert.deepEqual(caches[appCache(build, url)], [...build.files].sort());
    assert.deepEqual(caches[dataCache(build, url)], [...build.data_files.mnist].sort());
    assert.equal(await page.evaluate(() => !!navigator.serviceWorker.controller), true, 'the first visit is controlled once the worker activates');
    // The first visit's worker downloads each file once; the service worker then stores them,
    // revalidating with the host (a 304 when the browser's HTTP cache still holds the file).
    console.log(`# first visit, data requests seen by the host: ${served.join(', ')}`);
    assert.equal(served.filter((r) => r.startsWith('200')).length >= 4, true);

    stop(server);
    await context.setOffline(true);
    const responses = [];
    page.on('response', (r) => responses.push({ url: r.url(), sw: r.fromServiceWorker() }));
    await page.reload();
    const n = await h.waitForNumbers(page, (x) => x.accuracy !== null && x.examples > 2000, 60000, 'training offline');
    console.log(`# offline: ${(100 * n.accuracy).toFixed(1)}% after ${n.examples} examples; ${responses.length} responses, all from the service worker`);
    assert.deepEqual(n.notices, []);
    assert.match(await page.locator('#progress-text').textContent(), /Data ready/);
    assert.ok(responses.some((r) => r.url.endsWith('train-images-idx3-ubyte.gz')), 'the worker loaded the data through the page\'s controller');
    assert.deepEqual(responses.filter((r) => !r.sw && !r.url.startsWith('data:') && !r.url.startsWith('blob:')), []);
    assert.deepEqual(new URL(page.url()).hash.includes('show=inside'), true);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    stop(server);
  }
});

test('a new release replaces the cached app: the update is offered, then served, and the old cache is gone', { timeout: 180000 }, async () => {
  // The site in a subdirectory, as on a project page of a static host: the worker's scope is
  // the page's directory.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fwdlab-release-'));
  const site = path.join(root, 'courses', 'lab');
  const buildSite = (version) => execFileSync(process.execPath, [path.join(h.root, 'scripts', 'build-site'), '--out', site,
    '--base-url', `https://example.org/lab-${version}/`], { stdio: 'pipe' });
  buildSite('one');
  const first = readBuild(site);
  const server = await listen(root, 19500 + Math.floor(Math.random() * 400), '127.0.0.1');
  const scope = `${server.url}courses/lab/`;
  const { context, page, problems } = await h.openPage(browser, null, { serviceWorkers: 'allow', origins: [new URL(server.url).origin] });
  const ogUrl = () => page.getAttribute('meta[property="og:url"]', 'content');
  try {
    await page.goto(`${scope}#rule=bp&seed=1`);
    await h.waitForNumbers(page, (x) => x.examples > 0, 30000, 'training, release one');
    await waitForCaches(page, (c) => (c[dataCache(first, scope)] || []).length === 4
      && (c[appCache(first, scope)] || []).length === first.files.length, 'release one cached');
    assert.equal(await ogUrl(), 'https://example.org/lab-one/');

    buildSite('two');
    const second = readBuild(site);
    assert.notEqual(second.app, first.app, 'a changed file gives a new app hash');
    assert.equal(second.data, first.data, 'the same data gives the same data hash');
    // The reload is still answered by release one; the browser finds the new sw.js meanwhile
    // and installs it next to the old one, and the page offers it.
    await page.reload();
    assert.equal(await ogUrl(), 'https://example.org/lab-one/');
    const offer = page.getByRole('button', { name: 'Reload to update' });
    await offer.waitFor({ timeout: 30000 });
    assert.match(await page.locator('#notices').textContent(), /A new version of Forward Lab is ready/);
    await Promise.all([page.waitForEvent('load', { timeout: 30000 }), offer.click()]);
    await page.waitForFunction(() => document.querySelector('meta[property="og:url"]').content.includes('lab-two'), null, { timeout: 30000 });
    await h.waitForNumbers(page, (x) => x.examples > 0, 30000, 'training, release two');
    const caches = await waitForCaches(page, (c) => !c[appCache(first, scope)], 'the old app cache to go');
    assert.deepEqual(Object.keys(caches).sort(), [appCache(second, scope), dataCache(second, scope)].sort());
    assert.deepEqual(caches[appCache(second, scope)], [...second.files].sort());
    assert.equal(caches[dataCache(second, scope)].length, 4, 'the data cache survives a release that keeps the data');
    // What the page runs now is release two's, as served from the cache.
    const served = await page.evaluate(async () => (await (await fetch('index.html')).text()).includes('lab-two'));
    assert.equal(served, true);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    stop(server.server);
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('with service workers allowed, the page works in a sandboxed iframe and in a plain one', { timeout: 180000 }, async () => {
  const lab = await h.startServer();
  const { url } = lab;
  const lessonDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fwdlab-lesson-'));
  const lessonServer = await listen(lessonDir, 19000 + Math.floor(Math.random() * 400), 'localhost', { policy: null });
  try {
    for (const sandbox of ['sandbox="allow-scripts"', '']) {
      const file = `${sandbox ? 'sandboxed' : 'plain'}.html`;
      fs.writeFileSync(path.join(lessonDir, file), `<!doctype html><title>Lesson</title><link rel="icon" href="data:,">
        <h1>Lesson</h1><iframe id="lab" src="${url}#rule=bp&embed=true" width="1000" height="640" ${sandbox}></iframe>`);
      const { context, page, problems } = await h.openPage(browser, `${lessonServer.url}${file}`, { serviceWorkers: 'allow' });
      try {
        const frame = await (await page.waitForSelector('#lab')).contentFrame();
        await frame.waitForSelector('#n-examples', { timeout: 15000 });
        const n = await h.waitForNumbers(frame, (x) => x.examples > 0 && x.accuracy !== null, 30000, `training in the ${file} iframe`);
        assert.deepEqual(n.notices, []);
        // The sandboxed frame (opaque origin) has no service worker at all. In the plain one
        // the lab registers its own where the browser lets third-party frames have one
        // (Chromium with storage partitioning); this Chromium, as Playwright starts it, refuses,
        // and the page only notes it in a console warning.
        const sw = await frame.evaluate(async () => {
          if (window.origin === 'null') return 'opaque origin';
          try {
            const r = await navigator.serviceWorker.getRegistration();
            return r ? `registered for ${r.scope}` : 'not registered';
          } catch (e) {
            return `refused: ${e.name}`;
          }
        });
        console.log(`# ${file}: service worker ${sw}`);
        if (sandbox) assert.equal(sw, 'opaque origin');
        else assert.ok(sw === `registered for ${url}` || sw === 'refused: NotSupportedError', sw);
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    }
  } finally {
    stop(lessonServer.server);
    stop(lab.server);
    fs.rmSync(lessonDir, { recursive: true, force: true });
  }
});
