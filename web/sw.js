// The service worker: after one visit, a lesson link works offline.
//
// - install: caches every file of the app (the list and a hash of their contents are written
//   into BUILD below by scripts/build-site), in one cache named after that hash. If any file
//   fails to download, the install fails and the previous version stays in charge.
// - the data sets are cached as they are used: the first download of a data file passes
//   through here and is stored (a download cut off midway is not); on the very first visit the
//   page is not controlled yet, so the page asks for its data set by message once it has it.
// - activate: deletes this scope's caches of every other version, so a new release replaces
//   the app cache cleanly (the data cache is named after the data's own hash and survives
//   releases that do not change the data).
// - a new version waits (the page offers "Reload to update", see js/offline.js) instead of
//   taking over a page that is running the old one.
//
// Everything is relative to the registration's scope (the page's directory), so the site works
// from any directory of any static host, and two copies on one origin keep separate caches.
'use strict';

const BUILD = { app: 'dev', data: 'dev', files: [], data_files: {} };  // replaced by scripts/build-site

const SCOPE = self.registration.scope;
const CACHE_PREFIX = `fwdlab ${SCOPE} `;
const APP_CACHE = `${CACHE_PREFIX}app ${BUILD.app}`;
const DATA_CACHE = `${CACHE_PREFIX}data ${BUILD.data}`;
const href = (file) => new URL(file, SCOPE).href;
const APP_URLS = new Set(BUILD.files.map(href));
const DATA_URLS = new Set(Object.values(BUILD.data_files).flat().map(href));
const INDEX = href('index.html');
const storing = new Map();  // data URL -> promise of its cache.put, while one is under way

self.addEventListener('install', (event) => {
  // no-cache: revalidate with the host, never take a stale copy from the HTTP cache.
  event.waitUntil(caches.open(APP_CACHE).then((cache) =>
    cache.addAll(BUILD.files.map((f) => new Request(href(f), { cache: 'no-cache' })))));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith(CACHE_PREFIX) && n !== APP_CACHE && n !== DATA_CACHE)
      .map((n) => caches.delete(n)));
    // The first visit's page was loaded before this worker existed: control it from now on.
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  const m = event.data;
  if (m && m.type === 'skip-waiting') self.skipWaiting();
  if (m && m.type === 'cache-data' && Object.prototype.hasOwnProperty.call(BUILD.data_files, m.dataset)) {
    event.waitUntil(cacheDataSet(m.dataset));
  }
});

// Stores the data set's files that are not stored yet (on the first visit: all of them, which
// the host usually answers from the HTTP cache with a 304).
async function cacheDataSet(name) {
  const cache = await caches.open(DATA_CACHE);
  for (const url of BUILD.data_files[name].map(href)) {
    if (storing.has(url)) await storing.get(url);
    if (await cache.match(url)) continue;
    try {
      await cache.add(new Request(url, { cache: 'no-cache' }));
    } catch {
      // offline or the host failed: the next use of the data set tries again
    }
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  url.hash = '';
  if (request.mode === 'navigate' && url.origin === self.location.origin
    && (url.pathname === new URL(SCOPE).pathname || `${url.origin}${url.pathname}` === INDEX)) {
    // The page itself, whatever its query: settings travel in the hash, which never reaches here.
    event.respondWith(fromCache(APP_CACHE, INDEX, request));
  } else if (APP_URLS.has(url.href)) {
    event.respondWith(fromCache(APP_CACHE, url.href, request));
  } else if (DATA_URLS.has(url.href)) {
    // Keeps the worker alive until the copy is stored, not just until the response starts.
    let settle;
    event.waitUntil(new Promise((resolve) => { settle = resolve; }));
    event.respondWith(dataResponse(url.href, request, settle));
  }
  // anything else: the network, as if there were no service worker
});

async function fromCache(cacheName, key, request) {
  const hit = await (await caches.open(cacheName)).match(key);
  return hit || fetch(request);
}

// A data file from the cache, or from the network while a copy goes into the cache. The copy
// is written as the bytes arrive; cache.put fails (nothing stored) if the download breaks off.
// settle() is called once nothing more is being written.
async function dataResponse(key, request, settle) {
  try {
    const cache = await caches.open(DATA_CACHE);
    const hit = await cache.match(key);
    if (hit) { settle(); return hit; }
    const response = await fetch(request);
    if (response.status !== 200) { settle(); return response; }
    const put = cache.put(key, response.clone()).catch(() => {}).finally(() => { storing.delete(key); settle(); });
    storing.set(key, put);
    return response;
  } catch (e) {
    settle();
    throw e;
  }
}
