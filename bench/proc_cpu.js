// CPU time of Chromium's worker threads, read from Linux's /proc. The machine is shared: wall time
// in a worker also counts the time other programs held the core, so scripts/bench reports
// examples per CPU second of the worker thread (and wall time beside it).
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

let ticksPerSecond = null;
function clockTicks() {
  if (ticksPerSecond === null) {
    try { ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100; } catch { ticksPerSecond = 100; }
  }
  return ticksPerSecond;
}

// Fields of a /proc/<pid>[/task/<tid>]/stat line: the command name (in parentheses, may contain
// spaces and parentheses), the parent pid, and the user and system CPU time in clock ticks.
function parseStat(text) {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const rest = text.slice(close + 2).split(' ');  // rest[0] is field 3 (state)
  return { comm: text.slice(open + 1, close), ppid: Number(rest[1]), utime: Number(rest[11]), stime: Number(rest[12]) };
}

function readStat(file) {
  try { return parseStat(fs.readFileSync(file, 'utf8')); } catch { return null; }
}

// Every process below `root` (children, grandchildren...).
function descendants(root) {
  const children = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(path.join('/proc', name, 'stat'));
    if (!s) continue;
    if (!children.has(s.ppid)) children.set(s.ppid, []);
    children.get(s.ppid).push(Number(name));
  }
  const out = [];
  const todo = [root];
  while (todo.length) {
    for (const c of children.get(todo.pop()) || []) { out.push(c); todo.push(c); }
  }
  return out;
}

// Seconds of CPU used so far by the threads named `threadPrefix` (Chromium names a dedicated
// worker's thread "DedicatedWorker thread", truncated by the kernel to 15 characters) in the
// processes started below this Node process; null where /proc is not there.
function threadCpuSeconds(threadPrefix = 'DedicatedWorker') {
  if (!fs.existsSync('/proc/self/stat')) return null;
  let ticks = 0;
  for (const pid of descendants(process.pid)) {
    let tids;
    try { tids = fs.readdirSync(path.join('/proc', String(pid), 'task')); } catch { continue; }
    for (const tid of tids) {
      const s = readStat(path.join('/proc', String(pid), 'task', tid, 'stat'));
      if (s && s.comm.startsWith(threadPrefix)) ticks += s.utime + s.stime;
    }
  }
  return ticks / clockTicks();
}

module.exports = { parseStat, descendants, threadCpuSeconds };
