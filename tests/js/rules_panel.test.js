// The explanation panel per rule (web/js/rules.js): three sentences, a formula built as MathML
// from fixed tags, what to watch and a citation with a link, for every rule of the table.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { pathToFileURL } = require('url');

let R;
let S;
test.before(async () => {
  R = await import(pathToFileURL(path.join(__dirname, '..', '..', 'web', 'js', 'rules.js')).href);
  S = await import(pathToFileURL(path.join(__dirname, '..', '..', 'web', 'js', 'url_state.js')).href);
});

// A minimal document: enough for mathElement (createElementNS, createTextNode).
function fakeDocument() {
  const node = (ns, tag) => ({
    ns, tag, children: [], attrs: {},
    appendChild(c) { this.children.push(c); return c; },
    setAttribute(k, v) { this.attrs[k] = v; },
  });
  return {
    createElementNS: (ns, tag) => node(ns, tag),
    createTextNode: (text) => ({ text }),
  };
}
const textOf = (n) => (n.text !== undefined ? n.text : n.children.map(textOf).join(''));
const tagsOf = (n) => (n.tag ? [n.tag, ...n.children.flatMap(tagsOf)] : []);

test('every rule has three sentences, a formula, what to watch and a linked citation', () => {
  for (const rule of S.RULES) {
    const p = R.RULE_PANEL[rule];
    assert.ok(p, rule);
    assert.equal(p.idea.length, 3, `${rule}: three sentences`);
    for (const s of p.idea) assert.match(s, /^[A-Z].*[.]$/, `${rule}: a sentence`);
    assert.ok(p.formula.length >= 1);
    assert.ok(p.watch.length > 20);
    assert.match(p.cite.url, /^https:\/\//);
    assert.match(R.citationText(p.cite), new RegExp(`\\(${p.cite.year}\\)`));
  }
});

test('formulas render as MathML elements with the update arrow and the learning rate', () => {
  const doc = fakeDocument();
  for (const rule of S.RULES) {
    const p = R.RULE_PANEL[rule];
    const maths = p.formula.map((f) => R.mathElement(doc, f));
    for (const m of maths) {
      assert.equal(m.tag, 'math');
      assert.equal(m.ns, 'http://www.w3.org/1998/Math/MathML');
      assert.equal(m.attrs.display, 'block');
    }
    const all = maths.map(textOf).join(' ');
    assert.match(all, /←/, `${rule}: an update`);
    assert.match(all, /η/, `${rule}: a learning rate`);
    assert.ok(maths.flatMap(tagsOf).some((t) => /^m(sub|sup|subsup)$/.test(t)), `${rule}: sub/superscripts`);
  }
  assert.match(R.mathText(R.RULE_PANEL.ff.formula[0]), /G_l/);
  assert.throws(() => R.mathElement(doc, ['script', 'x']), /unknown MathML tag/);
});
