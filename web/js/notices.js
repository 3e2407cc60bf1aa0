// Notices above the page's panels: one line of text, optional action buttons and a Dismiss (×)
// button. Text goes in with textContent only (messages can quote a hand-edited URL).

// Adds a notice to `box` and returns it. A notice with `key` replaces the earlier ones with that
// key unless `add` is true. actions: [{label, run}] become buttons in the notice (e.g. Retry);
// pressing one dismisses the notice, then runs its action.
export function showNotice(box, text, { kind = 'info', key, add = false, actions = [] } = {}) {
  if (key && !add) box.querySelectorAll(`[data-key="${key}"]`).forEach((n) => n.remove());
  const item = document.createElement('div');
  item.className = `notice ${kind}`;
  if (kind === 'error') item.setAttribute('role', 'alert');  // read out at once, not politely
  if (key) item.dataset.key = key;
  const span = document.createElement('span');
  span.textContent = text;
  const buttons = actions.map(({ label, run }) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'notice-action';
    b.textContent = label;
    b.addEventListener('click', () => { item.remove(); run(); });
    return b;
  });
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'close';
  close.setAttribute('aria-label', 'Dismiss');
  close.textContent = '×';
  close.addEventListener('click', () => item.remove());
  const body = document.createElement('div');
  body.className = 'notice-body';
  body.append(span, ...buttons);
  item.append(body, close);
  box.append(item);
  return item;
}

// Removes the notices with `key` (all of them without one).
export function clearNotices(box, key) {
  box.querySelectorAll(key ? `[data-key="${key}"]` : '.notice').forEach((n) => n.remove());
}
