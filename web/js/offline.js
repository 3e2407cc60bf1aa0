// The page's side of the service worker (sw.js): registers it once the page has loaded, asks it
// to keep each data set the page has finished downloading, and offers a new version when one
// is waiting. Nothing here is needed for the page to work: where service workers are not
// available (a sandboxed iframe, file://, an http page not on localhost, a test that blocks
// them) every function quietly does nothing.
//
//   const offline = startOffline(notices);   // notices: the #notices element
//   offline.dataUsed('mnist');              // after the data set has fully arrived

import { showNotice } from './notices.js';

// The ServiceWorkerContainer, or null. Reading navigator.serviceWorker itself throws in a
// sandboxed iframe (opaque origin).
function container() {
  try {
    return navigator.serviceWorker || null;
  } catch {
    return null;
  }
}

export function startOffline(box) {
  const sw = container();
  const used = new Set();
  let registration = null;
  let updating = false;

  // Tells the service worker (when there is one) to keep a data set; on later visits it is
  // already kept and this costs one cache lookup per file.
  const send = (dataset) => {
    if (registration && registration.active) registration.active.postMessage({ type: 'cache-data', dataset });
  };

  const offer = (worker) => {
    if (!sw.controller) return;  // the first install: nothing to replace
    showNotice(box, 'A new version of Forward Lab is ready. Reloading starts the current run again (its settings are kept).', {
      key: 'update',
      actions: [{ label: 'Reload to update', run: () => {
        updating = true;
        worker.postMessage({ type: 'skip-waiting' });
      } }],
    });
  };

  const register = async () => {
    try {
      registration = await sw.register('sw.js');
    } catch (e) {
      console.warn(`Offline use is not available: ${e.message}`);
      return;
    }
    if (!registration) return;  // Playwright's serviceWorkers: 'block' resolves with nothing
    if (registration.waiting) offer(registration.waiting);
    registration.addEventListener('updatefound', () => {
      const worker = registration.installing;
      if (!worker) return;
      worker.addEventListener('statechange', () => { if (worker.state === 'installed') offer(worker); });
    });
    await sw.ready;
    for (const d of used) send(d);
  };

  if (sw) {
    let controlled = !!sw.controller;
    sw.addEventListener('controllerchange', () => {
      // Ours: the user asked for the new version. Another tab's: this page keeps running, but
      // the files it loads from now on (a race's workers) come from the new version, so it
      // should be reloaded too. (From no controller to one: the first install, nothing to say.)
      if (updating) location.reload();
      else if (controlled) {
        showNotice(box, 'Forward Lab was updated in another tab. Reload this page to use the new version too.', {
          key: 'update', actions: [{ label: 'Reload to update', run: () => location.reload() }],
        });
      }
      controlled = true;
    });
    if (document.readyState === 'complete') register(); else window.addEventListener('load', register, { once: true });
  }

  return {
    dataUsed(dataset) {
      if (!sw || used.has(dataset)) return;
      used.add(dataset);
      send(dataset);
    },
  };
}
