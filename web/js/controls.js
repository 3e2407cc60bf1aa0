// The settings controls, built from url_state.js's table. Each control shows one setting, checks
// what the user types against the same table the URL uses, and reports valid changes.
import { SETTINGS, RULES, PANELS, parseValue, formatValue, appliesTo } from './url_state.js';
import { RULE_INFO } from './rules.js';

const SPECIAL = new Set(['rule', 'dataset', 'embed', 'hide', 'show', 'autoplay', 'race']);

let idCounter = 0;
function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'text') node.textContent = v;
    else if (k === 'className') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

export class Controls {
  // onChange(key, value) is called for each valid change the user makes.
  constructor(root, onChange) {
    this.root = root;
    this.onChange = onChange;
    this.inputs = new Map();  // key -> {setting, input, row, error}
    this.buildRules();
    this.buildDataset();
    for (const s of SETTINGS) {
      if (SPECIAL.has(s.key)) continue;
      const container = root.getElementById(`fields-${s.group}`);
      if (container) this.buildField(container, s);
    }
    this.buildHideChoices();
  }

  buildRules() {
    const box = this.root.getElementById('rule-choices');
    this.ruleInputs = new Map();
    for (const rule of RULES) {
      const info = RULE_INFO[rule];
      const input = el('input', { type: 'radio', name: 'rule', value: rule, id: `rule-${rule}` });
      const badge = el('span', { className: 'badge', hidden: '' });
      const label = el('label', { for: `rule-${rule}`, className: 'rule-choice', title: info.name }, [
        input, el('span', { className: 'rule-short', text: info.short }), el('span', { className: 'rule-name', text: info.tag }), badge,
      ]);
      input.addEventListener('change', () => { if (input.checked) this.onChange('rule', rule); });
      box.append(label);
      this.ruleInputs.set(rule, { input, badge, label });
    }
  }

  // Marks rules the core cannot run yet (message from the core, set as text).
  markUnavailable(unavailable) {
    for (const [rule, { badge, label }] of this.ruleInputs) {
      const message = unavailable[rule];
      badge.hidden = !message;
      badge.textContent = message ? 'coming soon' : '';
      label.classList.toggle('unavailable', !!message);
      if (message) label.title = message;
    }
  }

  buildDataset() {
    this.datasetInputs = [...this.root.querySelectorAll('input[name="dataset"]')];
    for (const input of this.datasetInputs) {
      input.addEventListener('change', () => { if (input.checked) this.onChange('dataset', input.value); });
    }
  }

  buildField(container, s) {
    const id = `field-${s.key}-${idCounter++}`;
    let input;
    if (s.type === 'choice') {
      input = el('select', { id });
      for (const c of s.choices) input.append(el('option', { value: c, text: c }));
    } else if (s.type === 'bool') {
      input = el('input', { id, type: 'checkbox' });
    } else {
      input = el('input', {
        id, type: 'text', spellcheck: 'false', autocomplete: 'off',
        inputmode: s.type === 'layers' ? 'numeric' : 'decimal',
      });
      if (s.type === 'layers') input.setAttribute('placeholder', 'e.g. 256,256');
    }
    const error = el('span', { className: 'field-error', role: 'alert' });
    const label = el('label', { for: id, text: s.label });
    const row = el('div', { className: `field field-${s.type}`, dataset: { key: s.key, panel: s.key } }, [label, input, error]);
    if (s.type === 'bool') row.classList.add('checkbox');
    container.append(row);
    const commit = () => {
      const text = s.type === 'bool' ? (input.checked ? 'true' : 'false') : input.value.trim();
      const r = parseValue(s, text);
      if (r.value === undefined) {
        input.setAttribute('aria-invalid', 'true');
        error.textContent = r.reason;
        return;
      }
      input.removeAttribute('aria-invalid');
      error.textContent = '';
      this.onChange(s.key, r.value);
    };
    input.addEventListener('change', commit);
    if (input.tagName === 'INPUT' && s.type !== 'bool') {
      input.addEventListener('keydown', (e) => { if (e.key === 'Enter') commit(); });
    }
    this.inputs.set(s.key, { setting: s, input, row, error });
  }

  buildHideChoices() {
    const box = this.root.getElementById('hide-choices');
    this.hideInputs = new Map();
    for (const p of PANELS) {
      const id = `hide-${p}`;
      const input = el('input', { type: 'checkbox', id, value: p, 'aria-label': `Hide ${p}` });
      box.append(el('label', { for: id }, [input, ` ${p}`]));
      this.hideInputs.set(p, input);
    }
  }

  hideSelection() {
    return [...this.hideInputs].filter(([, i]) => i.checked).map(([p]) => p);
  }

  // Shows `state` in every control, and only the settings that matter for its rule.
  show(state) {
    for (const [rule, { input }] of this.ruleInputs) input.checked = rule === state.rule;
    for (const input of this.datasetInputs) input.checked = input.value === state.dataset;
    for (const [key, { setting, input, row, error }] of this.inputs) {
      if (setting.type === 'bool') input.checked = !!state[key];
      else input.value = formatValue(setting, state[key]);
      input.removeAttribute('aria-invalid');
      error.textContent = '';
      row.hidden = !appliesTo(key, state.rule);
    }
    for (const [p, input] of this.hideInputs) input.checked = state.hide.includes(p);
  }
}
