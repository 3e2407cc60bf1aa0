// Benchmark worker: the same MLP in TensorFlow.js (served from node_modules, no CDN), trained the
// same way: 784-hidden...-10, ReLU, softmax cross-entropy, plain SGD, backprop via tf's gradients.
//   {type: 'init', base, backend: 'wasm'|'cpu', hidden, batch, lr, trainLimit, warmupSteps}
//   {type: 'go', steps}  posts {type: 'done', examples, ms, engine, simd, threads}
'use strict';
let step = null;
let batch = 0;
let info = {};

self.onmessage = async ({ data: msg }) => {
  try {
    if (msg.type === 'init') {
      importScripts(`${msg.base}bench/mnist.js`, `${msg.base}tfjs/tfjs/dist/tf.min.js`,
        `${msg.base}tfjs/tfjs-backend-wasm/dist/tf-backend-wasm.min.js`);
      tf.wasm.setWasmPaths(`${msg.base}tfjs/tfjs-backend-wasm/dist/`);
      if (!(await tf.setBackend(msg.backend))) throw new Error(`tfjs backend ${msg.backend} did not start`);
      await tf.ready();
      info = {
        engine: `tfjs ${tf.version.tfjs} ${tf.getBackend()}`,
        simd: msg.backend === 'wasm' ? await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') : null,
        threads: msg.backend === 'wasm' ? await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') : null,
      };
      batch = msg.batch;
      const train = await BenchMnist.load(`${msg.base}site/data/mnist/`, 'train');
      const n = Math.floor(Math.min(msg.trainLimit, train.count) / batch) * batch;
      const pixels = train.pixels(n);
      const labels = train.labelsOf(n);
      // The batches as tensors, made once (outside the timed loop, which favours tfjs).
      const batches = [];
      for (let i = 0; i < n; i += batch) {
        const x = tf.tensor2d(pixels.subarray(i * 784, (i + batch) * 784), [batch, 784]);
        const y = tf.oneHot(tf.tensor1d(Array.from(labels.subarray(i, i + batch)), 'int32'), 10);
        batches.push({ x, y });
      }
      // He-initialised weights, zero biases, as Forward Lab's Dense layers.
      const sizes = [784, ...msg.hidden, 10];
      const layers = [];
      for (let l = 0; l + 1 < sizes.length; l++) {
        layers.push({
          w: tf.variable(tf.randomNormal([sizes[l], sizes[l + 1]], 0, Math.sqrt(2 / sizes[l]))),
          b: tf.variable(tf.zeros([sizes[l + 1]])),
        });
      }
      const optimizer = tf.train.sgd(msg.lr);
      let next = 0;
      step = () => {
        const { x, y } = batches[next];
        next = (next + 1) % batches.length;
        const cost = optimizer.minimize(() => {
          let h = x;
          layers.forEach((layer, l) => {
            const z = tf.add(tf.matMul(h, layer.w), layer.b);
            h = l + 1 < layers.length ? tf.relu(z) : z;
          });
          return tf.losses.softmaxCrossEntropy(y, h);
        }, true);
        return cost;
      };
      for (let i = 0; i < msg.warmupSteps; i++) step().dispose();
      self.postMessage({ type: 'ready' });
    } else if (msg.type === 'go') {
      const t0 = performance.now();
      let last = null;
      for (let i = 0; i < msg.steps; i++) {
        if (last) last.dispose();
        last = step();
      }
      last.dataSync();  // every kernel has run
      last.dispose();
      const ms = performance.now() - t0;
      self.postMessage({ type: 'done', examples: msg.steps * batch, ms, ...info });
    }
  } catch (e) {
    self.postMessage({ type: 'error', message: `${e.name}: ${e.message}` });
  }
};
