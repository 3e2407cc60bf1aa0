// docs/benchmarks.md is made of sections that scripts/bench writes separately, each between
// <!-- bench:NAME --> and <!-- /bench:NAME --> markers, so that a run of one section (--only)
// replaces that section and leaves the others as they were.
'use strict';

const ORDER = ['gemm', 'train', 'tfjs', 'page'];

const markers = (name) => [`<!-- bench:${name} -->`, `<!-- /bench:${name} -->`];

// doc with section `name` set to `text`: replaced where it is, otherwise inserted before the
// first section that comes after it in ORDER (or at the end).
function replaceSection(doc, name, text) {
  const [open, close] = markers(name);
  const block = `${open}\n${text.trim()}\n${close}`;
  const start = doc.indexOf(open);
  const end = doc.indexOf(close);
  if (start >= 0 && end > start) return doc.slice(0, start) + block + doc.slice(end + close.length);
  const later = ORDER.slice(ORDER.indexOf(name) + 1).map((n) => doc.indexOf(markers(n)[0])).filter((i) => i >= 0);
  if (later.length) {
    const at = Math.min(...later);
    return `${doc.slice(0, at)}${block}\n\n${doc.slice(at)}`;
  }
  return `${doc.replace(/\s*$/, '')}\n\n${block}\n`;
}

module.exports = { replaceSection, ORDER };
