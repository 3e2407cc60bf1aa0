// The small pieces of scripts/bench that have logic of their own: statistics, the document's
// sections, /proc stat lines and the Chrome-trace reading.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { median, cell, pairedRatio } = require('../../bench/stats.js');
const { replaceSection } = require('../../bench/doc_sections.js');
const { parseStat } = require('../../bench/proc_cpu.js');
const { mainThreadTasks } = require('../../bench/page_metrics.js');

test('median, cells and paired ratios', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  assert.equal(cell([10, 30, 20]), '20 (10-30)');
  assert.equal(cell([1.25, 1.5], 1), '1.4 (1.3-1.5)');
  assert.equal(cell([]), 'failed');
  // Per-run ratios, not a ratio of medians: runs 2/1, 6/2, 3/3 -> 2, 3, 1 -> median 2.
  assert.equal(pairedRatio([2, 6, 3], [1, 2, 3]), 2);
  assert.equal(pairedRatio([2, 6], [1, 0]), 2, 'a zero denominator is skipped');
});

test('sections are replaced in place or inserted in their order', () => {
  let doc = '# Benchmarks\n\nintro\n';
  doc = replaceSection(doc, 'tfjs', 'TFJS 1');
  doc = replaceSection(doc, 'gemm', 'GEMM 1');
  assert.ok(doc.indexOf('GEMM 1') < doc.indexOf('TFJS 1'), 'gemm goes before tfjs');
  assert.ok(doc.indexOf('intro') < doc.indexOf('GEMM 1'));
  doc = replaceSection(doc, 'page', 'PAGE 1');
  doc = replaceSection(doc, 'gemm', 'GEMM 2\nline');
  assert.ok(!doc.includes('GEMM 1'));
  assert.match(doc, /<!-- bench:gemm -->\nGEMM 2\nline\n<!-- \/bench:gemm -->/);
  assert.ok(doc.indexOf('GEMM 2') < doc.indexOf('TFJS 1') && doc.indexOf('TFJS 1') < doc.indexOf('PAGE 1'));
  assert.equal(doc.split('<!-- bench:gemm -->').length, 2, 'one gemm section');
});

test('a /proc stat line gives the name, parent and CPU ticks, spaces and parentheses in the name too', () => {
  const line = '4242 (DedicatedWorker th) S 4200 4200 1 0 -1 4194368 100 0 0 0 1234 56 0 0 20 0 30 0 5000 0 0';
  assert.deepEqual(parseStat(line), { comm: 'DedicatedWorker th', ppid: 4200, utime: 1234, stime: 56 });
  const odd = '7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 9 1 0 0 20 0 1 0 0 0 0';
  assert.deepEqual(parseStat(odd), { comm: 'a (b) c', ppid: 1, utime: 9, stime: 1 });
});

test('main-thread tasks are read from the renderer main thread of a Chrome trace only', () => {
  const trace = JSON.stringify({ traceEvents: [
    { ph: 'M', name: 'thread_name', pid: 1, tid: 10, args: { name: 'CrRendererMain' } },
    { ph: 'M', name: 'thread_name', pid: 1, tid: 11, args: { name: 'DedicatedWorker thread' } },
    { ph: 'X', name: 'RunTask', pid: 1, tid: 10, ts: 100, dur: 4000, tdur: 3000 },
    { ph: 'X', name: 'RunTask', pid: 1, tid: 11, ts: 100, dur: 900000 },
    { ph: 'X', name: 'FunctionCall', pid: 1, tid: 10, ts: 200, dur: 70000 },
    { ph: 'X', name: 'RunTask', pid: 1, tid: 10, ts: 9000, dur: 61000 },
  ] });
  assert.deepEqual(mainThreadTasks(trace), [{ start: 100, dur: 4000, cpu: 3000 }, { start: 9000, dur: 61000, cpu: null }]);
});
