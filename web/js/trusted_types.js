// The page's one Trusted Types policy (its Content-Security-Policy requires Trusted Types; see
// scripts/content_security_policy.js). A classic deferred script, so it runs before main.js.
//
// The page builds all of its DOM with createElement and textContent, so the policy has no
// createHTML: any `innerHTML = text` (or outerHTML, insertAdjacentHTML, document.write) throws
// and is reported, whatever the text came from. The only code-loading sinks the page uses take
// script URLs: new Worker() and navigator.serviceWorker.register(). This policy lets through
// exactly our own worker scripts, and blob: URLs (main.js's fallback for a sandboxed iframe, which
// only a script already running in the page can create); anything else is refused.
(function () {
  'use strict';
  if (!self.trustedTypes || !self.trustedTypes.createPolicy) return;  // browsers without TT: CSP only
  const OWN_SCRIPTS = ['js/worker.js', 'js/eval_worker.js', 'sw.js'];
  const base = new URL('.', document.baseURI);
  self.trustedTypes.createPolicy('default', {
    createScriptURL(text) {
      const url = new URL(text, document.baseURI);
      if (url.protocol === 'blob:') return text;
      const own = url.origin === base.origin && url.search === '' && url.hash === ''
        && OWN_SCRIPTS.some((f) => url.pathname === `${base.pathname}${f}`);
      return own ? text : null;  // null: the sink refuses and a CSP violation is reported
    },
  });
}());
