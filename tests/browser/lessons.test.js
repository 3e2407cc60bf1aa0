// Lesson links (show / hide / autoplay), the explanation panel of every rule, and race mode.
// Run after scripts/build-site.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers.js');

let url;
let browser;
h.serveAndLaunch(test, (site) => ({ url, browser } = site));
const { sleep } = h;

test('a lesson link autoplays, hides what it says and shows what it says', async () => {
  const lesson = 'rule=ff&seed=1&embed=true&hide=advanced,share,export,draw&show=weights,explain&autoplay=1';
  const { context, page, problems } = await h.openPage(browser, `${url}#${lesson}`);
  try {
    await h.waitForNumbers(page, (x) => x.examples > 0, 30000, 'the lesson to start training by itself');
    for (const sel of ['details[data-panel="advanced"]', 'fieldset[data-panel="share"]', 'fieldset[data-panel="export"]', 'section[data-panel="draw"]']) {
      assert.equal(await page.locator(sel).isVisible(), false, `${sel} should be hidden`);
    }
    // Embed mode hides the weights and the explanation; the lesson shows them.
    for (const sel of ['section[data-panel="weights"]', 'section[data-panel="explain"]', '#explain-formula math']) {
      assert.equal(await page.locator(sel).first().isVisible(), true, `${sel} should be visible`);
    }
    assert.equal(await page.locator('#play').getAttribute('aria-pressed'), 'true');
    const hash = new URL(page.url()).hash;
    for (const piece of ['show=weights%2Cexplain', 'hide=advanced%2Cshare%2Cexport%2Cdraw', 'embed=true']) assert.ok(hash.includes(piece), `${piece} in ${hash}`);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
  // autoplay=0: the page waits for Play.
  const still = await h.openPage(browser, `${url}#rule=bp&autoplay=0`);
  try {
    await sleep(4000);
    const n = await h.readNumbers(still.page);
    assert.equal(n.examples, 0);
    assert.equal(await still.page.locator('#play').getAttribute('aria-pressed'), 'false');
    await still.page.locator('#play').click();
    await h.waitForNumbers(still.page, (x) => x.examples > 0, 30000, 'training after Play');
    assert.deepEqual(still.problems, []);
  } finally {
    await still.context.close();
  }
});

test('the explanation panel of every rule renders its formula (MathML) and its citation', async () => {
  const { context, page, problems } = await h.openPage(browser, `${url}#rule=bp&autoplay=0`);
  try {
    const R = await import(require('url').pathToFileURL(require('path').join(h.root, 'web', 'js', 'rules.js')).href);
    for (const rule of ['ff', 'ff-unsup', 'fgw', 'fga', 'lg-fga', 'bp']) {
      await page.evaluate((r) => { location.hash = `rule=${r}&autoplay=0`; }, rule);
      await page.waitForFunction((r) => document.getElementById('explain-formula').dataset.rule === r, rule, { timeout: 5000 });
      const info = await page.evaluate(() => {
        const maths = [...document.querySelectorAll('#explain-formula math')];
        return {
          count: maths.length,
          ns: maths.map((m) => m.namespaceURI),
          scripts: document.querySelectorAll('#explain-formula msub, #explain-formula msup, #explain-formula msubsup').length,
          widths: maths.map((m) => m.getBoundingClientRect().width),
          text: maths.map((m) => m.textContent).join(' '),
          idea: document.getElementById('explain-text').textContent,
          watch: document.getElementById('explain-watch').textContent,
          cite: document.getElementById('explain-cite').textContent,
          href: document.getElementById('explain-paper').href,
        };
      });
      const panel = R.RULE_PANEL[rule];
      assert.equal(info.count, panel.formula.length, rule);
      assert.ok(info.ns.every((n) => n === 'http://www.w3.org/1998/Math/MathML'), rule);
      assert.ok(info.scripts > 0, `${rule}: sub/superscripts`);
      assert.ok(info.widths.every((w) => w > 20), `${rule}: the formula is laid out (${info.widths})`);
      assert.match(info.text, /←/);
      assert.equal(info.idea, panel.idea.join(' '));
      assert.equal(info.watch, panel.watch);
      assert.ok(info.cite.includes(panel.cite.title) && info.cite.includes(String(panel.cite.year)), `${rule}: ${info.cite}`);
      assert.equal(info.href, panel.cite.url);
    }
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('race: two rules train side by side, both advance, on the same first batches', async () => {
  const { context, page, problems } = await h.openPage(browser, `${url}#race=ff,bp&seed=7&batch=50`);
  try {
    await page.waitForFunction(() => {
      const lanes = [...document.querySelectorAll('#race-lanes .lane')];
      const n = (li, cls) => Number(li.querySelector(cls).textContent.replace(/,/g, '')) || 0;
      return lanes.length === 2 && lanes.every((li) => n(li, '.lane-examples') > 2000 && li.querySelector('.lane-accuracy').dataset.value
        && li.dataset.firstBatch && li.querySelector('.lane-speed').dataset.value);
    }, null, { timeout: 90000, polling: 250 });
    const lanes = await page.evaluate(() => [...document.querySelectorAll('#race-lanes .lane')].map((li) => ({
      rule: li.dataset.rule,
      firstBatch: li.dataset.firstBatch,
      examples: li.querySelector('.lane-examples').textContent,
      accuracy: Number(li.querySelector('.lane-accuracy').dataset.value),
      speed: Number(li.querySelector('.lane-speed').dataset.value),
    })));
    console.log(`# race lanes: ${JSON.stringify(lanes.map((l) => ({ ...l, firstBatch: `${l.firstBatch.slice(0, 30)}…` })))}`);
    assert.deepEqual(lanes.map((l) => l.rule), ['ff', 'bp']);
    assert.equal(lanes[0].firstBatch.split(',').length, 50);
    assert.equal(lanes[0].firstBatch, lanes[1].firstBatch, 'both lanes saw the same first batch');
    for (const l of lanes) assert.ok(l.accuracy > 0 && l.speed > 0, JSON.stringify(l));
    // Shared charts: one series per lane.
    for (const id of ['#race-chart-acc', '#race-chart-time']) {
      const legend = await page.locator(`${id} .u-legend`).textContent();
      assert.match(legend, /FF/);
      assert.match(legend, /BP/);
    }
    // No forward-gradient lane: no cosine chart.
    assert.equal(await page.locator('#race-cosine').isVisible(), false);
    // The single-run views are out of the way; the hash keeps the race.
    assert.equal(await page.locator('.results > .charts').isVisible(), false);
    assert.match(new URL(page.url()).hash, /race=ff%2Cbp/);
    const n = await h.readNumbers(page);
    assert.deepEqual(n.notices, []);
    // The race view passes axe-core like the rest of the page.
    await h.addAxe(page);
    const violations = await page.evaluate(async () => {
      const r = await window.axe.run(document, { resultTypes: ['violations'] });
      return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => ({ id: v.id, nodes: v.nodes.slice(0, 3).map((x) => x.target.join(' ')) }));
    });
    assert.deepEqual(violations, [], JSON.stringify(violations));
    // Back to a single run.
    await page.getByRole('button', { name: 'Back to a single run' }).click();
    await h.waitForNumbers(page, (x) => x.examples > 0, 30000, 'a single run after the race');
    assert.equal(await page.locator('#race-view').isVisible(), false);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('race: FG-W vs FG-A share a cosine-to-the-true-gradient chart, FG-A\'s cosine is larger', async () => {
  const { context, page, problems } = await h.openPage(browser, `${url}#race=fgw,fga&seed=3&batch=50`);
  try {
    await page.waitForFunction(() => {
      const lanes = [...document.querySelectorAll('#race-lanes .lane')];
      return lanes.length === 2 && lanes.every((li) => Number(li.dataset.cosinePoints || 0) >= 3);
    }, null, { timeout: 90000, polling: 250 });
    assert.equal(await page.locator('#race-cosine').isVisible(), true);
    const legend = await page.locator('#race-chart-cosine .u-legend').textContent();
    assert.match(legend, /FG-W/);
    assert.match(legend, /FG-A/);
    const lanes = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#race-lanes .lane')]
      .map((li) => [li.dataset.rule, { cosine: Number(li.dataset.cosine), points: Number(li.dataset.cosinePoints) }])));
    console.log(`# race cosines: ${JSON.stringify(lanes)}`);
    assert.ok(lanes.fga.cosine > lanes.fgw.cosine, JSON.stringify(lanes));
    assert.ok(lanes.fga.cosine > 0, JSON.stringify(lanes));
    const n = await h.readNumbers(page);
    assert.deepEqual(n.notices, []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
