// The page's URL state (web/js/url_state.js): every setting round-trips through the hash, and
// every bad or hostile value is dropped with a reason while its default is used.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { pathToFileURL } = require('url');

let S;
test.before(async () => {
  S = await import(pathToFileURL(path.join(__dirname, '..', '..', 'web', 'js', 'url_state.js')).href);
});

test('defaults and presets are valid under the table', () => {
  for (const rule of S.RULES) {
    const state = S.presetState(rule);
    for (const s of S.SETTINGS) assert.ok(S.isValid(s.key, state[s.key]), `${rule}: ${s.key}=${state[s.key]}`);
  }
  assert.deepEqual(S.RULES, ['ff', 'ff-unsup', 'fgw', 'fga', 'lg-fga', 'bp']);
});

test('an empty hash gives the default rule preset and no problems', () => {
  for (const hash of ['', '#', undefined, null]) {
    const { state, problems } = S.parse(hash);
    assert.deepEqual(problems, []);
    assert.deepEqual(state, S.presetState('bp'));
  }
});

test('every setting round-trips through the hash', () => {
  const state = {
    ...S.presetState('lg-fga'),
    dataset: 'fashion', hidden: [512, 256, 128], seed: 2147483647, epochs: 3, batch: 100, optimizer: 'sgd',
    lr: 0.000123, momentum: 0.5, beta1: 0.8, beta2: 0.99, adam_eps: 1e-10, weight_decay: 0.0001, lr_decay: 1e-5,
    ff_theta: -3.5, ff_goodness: 'mean', ff_norm: 'rms', ff_negatives: 'hard', ff_schedule: 'greedy', ff_peer_norm: 0.03,
    readout_lr: 0.01, fg_tangents: 4, fga_skip_inactive: false, lg_groups: 16, report_cosine: true,
    embed: true, hide: ['rule', 'share'], show: ['figures', 'explain'], autoplay: false, race: ['ff', 'fga', 'bp'],
  };
  const hash = S.serialize(state);
  const { state: back, problems } = S.parse(`#${hash}`);
  assert.deepEqual(problems, []);
  assert.deepEqual(back, state);
  // Every key of the table is in the hash (page flags only when set).
  for (const s of S.SETTINGS) assert.match(hash, new RegExp(`(^|&)${s.key}=`));
  // Serialising again gives the same text: the hash is a stable save file.
  assert.equal(S.serialize(back), hash);
});

test('page flags are left out of the hash when off', () => {
  const hash = S.serialize(S.presetState('ff'));
  assert.doesNotMatch(hash, /embed=|hide=/);
  assert.match(hash, /^rule=ff&/);
});

test('the rule in the hash selects its preset before other values apply', () => {
  const { state } = S.parse('#rule=ff&lr=0.005');
  assert.equal(state.rule, 'ff');
  assert.deepEqual(state.hidden, S.PRESETS.ff.hidden);
  assert.equal(state.lr, 0.005);
});

// [key, bad value] pairs: each must be dropped, with a problem naming the key, and the default kept.
const BAD = [
  ['rule', 'nope'], ['rule', 'BP'], ['rule', ''], ['dataset', 'cifar'], ['optimizer', 'rmsprop'],
  ['hidden', ''], ['hidden', '0'], ['hidden', '5000'], ['hidden', '256,'], ['hidden', ',256'], ['hidden', '1,2,3,4,5'],
  ['hidden', '256;256'], ['hidden', '-5'], ['hidden', '2.5'], ['hidden', '1e3'], ['hidden', ' 256'],
  ['seed', '-1'], ['seed', '2147483648'], ['seed', '1.5'], ['seed', 'abc'], ['seed', '0x10'], ['seed', ''],
  ['epochs', '0'], ['epochs', '1001'], ['batch', '0'], ['batch', '1001'], ['batch', 'Infinity'],
  ['lr', '0'], ['lr', '-0.1'], ['lr', '11'], ['lr', 'NaN'], ['lr', 'Infinity'], ['lr', '1e999'], ['lr', '1e-3x'],
  ['lr', '--1'], ['lr', '1,5'], ['lr', ' '], ['momentum', '1'], ['beta2', '1'], ['adam_eps', '0'],
  ['weight_decay', '2'], ['ff_theta', '1e9'], ['ff_goodness', 'max'], ['ff_norm', 'none'],
  ['ff_negatives', 'x'], ['ff_schedule', 'x'], ['fg_tangents', '0'], ['fg_tangents', '65'], ['lg_groups', '0'],
  ['fga_skip_inactive', 'yes'], ['report_cosine', 'TRUE'], ['embed', '2'], ['hide', 'rule,evil'], ['hide', 'controls,'],
];

test('every bad value is dropped with a visible reason and its default used', () => {
  for (const [key, value] of BAD) {
    const { state, problems } = S.parse(`#rule=fga&${key}=${encodeURIComponent(value)}`);
    const fallback = S.presetState(key === 'rule' ? 'bp' : 'fga');
    assert.equal(problems.length, 1, `${key}=${value}: ${JSON.stringify(problems)}`);
    assert.equal(problems[0].key, key);
    assert.ok(problems[0].reason.length > 0);
    if (key !== 'rule') assert.deepEqual(state[key], fallback[key], `${key}=${value}`);
    else assert.deepEqual(state.rule, 'fga');  // a second rule= is refused: the first one stays
  }
});

test('unknown keys, duplicates, bad encodings and huge hashes are reported, not applied', () => {
  let r = S.parse('#evil=1&lr=0.002&lr=0.5');
  assert.equal(r.state.lr, 0.002);
  assert.deepEqual(r.problems.map((p) => p.key), ['evil', 'lr']);
  r = S.parse('#lr=%E0%A4%A&seed=3');
  assert.equal(r.state.seed, 3);
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0].reason, /encoding/);
  r = S.parse(`#seed=${'9'.repeat(5000)}`);
  assert.equal(r.problems.length, 1);
  assert.deepEqual(r.state, S.presetState('bp'));
  r = S.parse(`#seed=${'9'.repeat(300)}`);
  assert.match(r.problems[0].reason, /longer than/);
  r = S.parse('#__proto__=1&constructor=2&toString=3&hasOwnProperty=4');
  assert.equal(r.problems.length, 4);
  assert.equal(Object.getPrototypeOf(r.state), Object.prototype);
  assert.equal(r.state.toString, Object.prototype.toString);
});

test('hostile strings never reach the state', () => {
  const hostile = [
    '<img src=x onerror=alert(1)>', '"><script>alert(1)</script>', 'javascript:alert(1)', "';alert(1);//",
    '${alert(1)}', '\u202e\u0000\ud800', '%3Cscript%3E', 'bp<script>', 'bp\nff', '../../etc/passwd',
  ];
  const enc = (s) => { try { return encodeURIComponent(s); } catch { return s; } };
  for (const h of hostile) {
    for (const key of ['rule', 'dataset', 'hidden', 'lr', 'seed', 'hide', 'embed', h]) {
      const { state, problems } = S.parse(`#${enc(key)}=${enc(h)}`);
      assert.equal(problems.length, 1, `${key}=${h}`);
      // Only table values: choices, numbers, booleans, arrays of numbers or of panel names.
      assert.deepEqual(state, S.presetState('bp'));
      // The value shown in the notice is cut short.
      assert.ok(problems[0].value.length <= 41);
    }
    // Unencoded, as typed into the address bar.
    const raw = S.parse(`#rule=${h}`);
    assert.equal(raw.state.rule, 'bp');
    assert.ok(raw.problems.length >= 1);
  }
});

test('toConfig sends only the core fields that apply to the rule', () => {
  const bp = S.toConfig(S.presetState('bp'));
  assert.equal(bp.rule, 'bp');
  assert.ok(!('lg_groups' in bp) && !('ff_theta' in bp) && !('embed' in bp) && !('hide' in bp));
  const lg = S.toConfig(S.presetState('lg-fga'));
  assert.equal(lg.lg_groups, 16);
  assert.equal(lg.report_cosine, false);
  const ff = S.toConfig(S.presetState('ff'));
  assert.equal(ff.ff_theta, 500);
  assert.ok(!('fg_tangents' in ff));
});

test('numbers are written compactly and read back the same', () => {
  for (const v of [1e-3, 0.000123, 3e-4, 1e-8, 0.9, 0.999, 2, 1e-7]) {
    const text = S.formatValue(S.BY_KEY.lr, v);
    assert.equal(Number(text), v);
    assert.ok(text.length <= 10, text);
  }
});

test('lesson and race flags: show, autoplay and race are validated like every setting', () => {
  const { state, problems } = S.parse('#rule=ff&show=figures,explain&hide=advanced,share&autoplay=1&race=ff,bp');
  assert.deepEqual(problems, []);
  assert.deepEqual(state.show, ['figures', 'explain']);
  assert.equal(state.autoplay, true);
  assert.deepEqual(state.race, ['ff', 'bp']);
  assert.equal(S.parse('#autoplay=0').state.autoplay, false);
  for (const bad of ['ff', 'ff,ff', 'ff,bp,fga,fgw,lg-fga', 'ff,evil', 'ff,,bp', '<b>x</b>,bp']) {
    const r = S.parse(`#race=${encodeURIComponent(bad)}`);
    assert.equal(r.problems.length, 1, bad);
    assert.deepEqual(r.state.race, []);
  }
  for (const bad of ['charts,nope', '<script>', 'javascript:alert(1)']) {
    const r = S.parse(`#show=${encodeURIComponent(bad)}`);
    assert.equal(r.problems.length, 1, bad);
    assert.deepEqual(r.state.show, []);
  }
  assert.equal(S.parse('#autoplay=yes').problems.length, 1);
  // Every race preset is a valid race.
  for (const r of S.RACES) assert.ok(S.isValid('race', r.rules), r.name);
  const hash = S.serialize(S.presetState('bp'));
  assert.doesNotMatch(hash, /show=|autoplay=|race=/);
});
