// Shared by the wasm tests under Node: loads the module built by the wasm preset and the real
// MNIST data sets into it. (Not a test file itself: node --test only picks *.test.js.)
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const moduleDir = path.join(root, 'build', 'wasm', 'src', 'wasm');
const dataDir = path.join(root, 'data', 'mnist');

// Emscripten 3.1.6 would fetch() the .wasm under Node 20; hand it the bytes instead.
async function loadModule() {
  const createModule = require(path.join(moduleDir, 'fwdlab_core.js'));
  return createModule({ wasmBinary: fs.readFileSync(path.join(moduleDir, 'fwdlab_core.wasm')) });
}

// {train, test} Embind Dataset handles of the real MNIST; the caller deletes them.
function loadMnist(Module) {
  const read = (name) => new Uint8Array(fs.readFileSync(path.join(dataDir, name)));
  return {
    train: Module.Dataset.fromIdx('mnist train', read('train-images-idx3-ubyte'), read('train-labels-idx1-ubyte')),
    test: Module.Dataset.fromIdx('mnist test', read('t10k-images-idx3-ubyte'), read('t10k-labels-idx1-ubyte')),
  };
}

// Registers a test file's hooks: before its tests, load the module and the MNIST sets and hand
// them to `use` ({Module, train, test}); after them, free the data sets.
function useMnist(test, use) {
  let sets = null;
  test.before(async () => {
    const Module = await loadModule();
    sets = loadMnist(Module);
    use({ Module, ...sets });
  });
  test.after(() => {
    sets?.train.delete();
    sets?.test.delete();
  });
}

module.exports = { loadModule, loadMnist, useMnist };
