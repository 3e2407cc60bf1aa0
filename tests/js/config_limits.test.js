// The page's settings table (web/js/url_state.js) against the core's validation (checkConfig in
// the wasm build): every value the table lets through, the core accepts, so a refusal the visitor
// sees is either the table's reason or the core's own message; and fields of the wrong type get
// the core's message, unchanged.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { pathToFileURL } = require('url');
const { loadModule } = require('./wasm_module.js');

let S;
let Module;
test.before(async () => {
  S = await import(pathToFileURL(path.join(__dirname, '..', '..', 'web', 'js', 'url_state.js')).href);
  Module = await loadModule();
});

// The rule a setting is tested under (one it applies to), and its preset as the base config.
function baseFor(setting) {
  const rule = setting.rules ? setting.rules[0] : 'bp';
  return S.toConfig(S.presetState(rule));
}

test('the core accepts the smallest and largest value the table allows for every field', () => {
  for (const s of S.SETTINGS.filter((x) => x.config && (x.type === 'int' || x.type === 'number'))) {
    for (const value of [s.min, s.max]) {
      const config = { ...baseFor(s), [s.key]: value };
      if (s.key === 'lg_groups') config.hidden = [value * 8];  // groups must divide each layer
      assert.equal(Module.checkConfig(config), '', `${s.key} = ${value}`);
    }
  }
  // Layers: as many and as wide as the table allows.
  const layers = S.BY_KEY.hidden;
  const widest = Array(layers.maxLayers).fill(layers.max);
  assert.equal(Module.checkConfig({ rule: 'bp', hidden: widest }), '');
  assert.equal(Module.checkConfig({ rule: 'bp', hidden: [layers.min] }), '');
  // Choices: each one.
  for (const s of S.SETTINGS.filter((x) => x.config && x.type === 'choice')) {
    for (const c of s.choices) assert.equal(Module.checkConfig({ ...baseFor(s), [s.key]: c }), '', `${s.key} = ${c}`);
  }
});

test('values past the core\'s own limits get the core\'s message', () => {
  const cases = [
    [{ lr: 11 }, 'learning rate must be a finite number in (0, 10], got 11'],
    [{ lr: 0 }, 'learning rate must be a finite number in (0, 10], got 0'],
    [{ momentum: 1 }, 'momentum must be in [0, 1), got 1'],
    [{ epochs: 0 }, 'epochs must be in 1..'],
    [{ batch: 0 }, 'batch size must be at least 1, got 0'],
    [{ hidden: [] }, 'hidden layers must not be empty'],
    [{ hidden: [0] }, 'hidden layer 1 size must be in 1..'],
    [{ rule: 'nope' }, "unknown rule 'nope'"],
    [{ rule: 'lg-fga', hidden: [100], lg_groups: 8 }, 'local-loss groups (8) must divide every hidden layer size; layer 1 has 100'],
  ];
  for (const [fields, message] of cases) {
    const got = Module.checkConfig({ rule: 'bp', ...fields });
    assert.ok(got.startsWith(message), `${JSON.stringify(fields)}: ${got}`);
  }
});

test('fields of the wrong type get the core\'s message naming the field and the type', () => {
  const cases = [
    [{ lr: '0.1' }, 'lr must be a number, got string'],
    [{ lr: null }, 'lr must be a number, got object'],
    [{ epochs: 2.5 }, 'epochs must be an integer, got 2.5'],
    [{ hidden: '256,256' }, 'hidden must be an array of layer sizes'],
    [{ hidden: [256, 'x'] }, 'hidden layer size must be a number, got string'],
    [{ seed: -1 }, 'seed must be an integer in 0..2147483647'],
    [{ rule: 5 }, 'rule must be a string, got number'],
    [{ fga_skip_inactive: 1 }, 'fga_skip_inactive must be true or false'],
    [{ colour: 'red' }, "unknown configuration field 'colour'"],
  ];
  for (const [fields, message] of cases) {
    assert.equal(Module.checkConfig({ rule: 'bp', ...fields }), message, JSON.stringify(fields));
  }
  assert.equal(Module.checkConfig('rule=bp'), 'configuration must be an object');
});
