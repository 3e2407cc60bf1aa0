// The site's Content-Security-Policy, written once. scripts/build-site puts it into index.html
// as a <meta http-equiv> (the only way on a static host that sends no headers, GitHub Pages);
// scripts/static-server.js sends it as a header with every response, which is what reaches the
// workers and the service worker: a worker's policy comes from its own script's response, never
// from the page's <meta>. docs/robustness.md ("The static site") lists what each line stops.
'use strict';

// Directives both delivered policies share.
const SHARED = [
  // Everything (images, fonts, fetch, manifests, media) from the page's own origin only.
  ['default-src', "'self'"],
  // Scripts only from files on our origin: no inline script, no eval or new Function (the
  // Embind glue is linked with -sDYNAMIC_EXECUTION=0 for this). WebAssembly compiles need
  // 'wasm-unsafe-eval' and nothing more.
  ['script-src', "'self'", "'wasm-unsafe-eval'"],
  // Workers from our files; blob: because a sandboxed iframe (opaque origin) may not start a
  // worker from a URL, so main.js fetches worker.js and starts it from a blob: URL, which only
  // script already running in the page can mint.
  ['worker-src', "'self'", 'blob:'],
  // Style sheets from our files only. uPlot and the page set styles through the CSSOM
  // (element.style.width = ...), which style-src does not restrict: no 'unsafe-inline'.
  ['style-src', "'self'"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
  // The page frames nothing. (frame-ancestors is left out on purpose: course pages embed the
  // lab in an iframe from any origin, and the page holds nothing a clickjacker could use.)
  ['frame-src', "'none'"],
];

// Only in the document's <meta>: Trusted Types. Every DOM sink that takes HTML or script
// (innerHTML, outerHTML, insertAdjacentHTML, document.write, new Worker, ...) then refuses
// plain strings; js/trusted_types.js defines the one 'default' policy, which lets through the
// site's own worker and service-worker scripts and no HTML at all. Not in the header: a worker
// has no DOM to protect, and its importScripts calls would each need a policy of their own.
const DOCUMENT_ONLY = [
  ['require-trusted-types-for', "'script'"],
  ['trusted-types', 'default'],
];

const join = (directives) => directives.map((d) => d.join(' ')).join('; ');

// For <meta http-equiv="Content-Security-Policy" content="...">.
const META_POLICY = join([...SHARED, ...DOCUMENT_ONLY]);
// For the Content-Security-Policy response header (every response, documents and workers).
const HEADER_POLICY = join(SHARED);

module.exports = { META_POLICY, HEADER_POLICY };
