// Benchmark worker: trains with Forward Lab's wasm module (the build the site ships) and times it.
//   {type: 'init', base, config, trainLimit, warmupSteps}  loads the module and MNIST, builds a
//        Session, trains warmupSteps steps (V8 tiers the code up), then posts {type: 'ready'}
//   {type: 'go', steps, chunk}  trains `steps` steps, `chunk` per call (as the page's worker
//        does), posts {type: 'done', examples, ms, engine}
'use strict';
let session = null;
let batch = 0;

self.onmessage = async ({ data: msg }) => {
  try {
    if (msg.type === 'init') {
      importScripts(`${msg.base}bench/mnist.js`, `${msg.base}wasm/fwdlab_core.js`);
      const Module = await createFwdlabModule({ locateFile: (f) => `${msg.base}wasm/${f}` });
      const train = await BenchMnist.load(`${msg.base}site/data/mnist/`, 'train');
      const test = await BenchMnist.load(`${msg.base}site/data/mnist/`, 't10k');
      const config = { ...msg.config, train_limit: msg.trainLimit, test_limit: 100, epochs: 1000 };
      const problem = Module.checkConfig(config);
      if (problem) throw new Error(problem);
      session = new Module.Session(config, Module.Dataset.fromIdx('train', train.images, train.labels),
        Module.Dataset.fromIdx('test', test.images, test.labels));
      batch = config.batch;
      session.train(msg.warmupSteps);
      self.postMessage({ type: 'ready' });
    } else if (msg.type === 'go') {
      const t0 = performance.now();
      for (let done = 0; done < msg.steps; done += msg.chunk) session.train(Math.min(msg.chunk, msg.steps - done));
      const ms = performance.now() - t0;
      self.postMessage({ type: 'done', examples: msg.steps * batch, ms, engine: 'forward-lab wasm' });
    }
  } catch (e) {
    self.postMessage({ type: 'error', message: `${e.name}: ${e.message}` });
  }
};
