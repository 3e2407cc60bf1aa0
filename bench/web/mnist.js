// MNIST for the benchmark workers: fetches the gzip IDX files the site serves and parses them.
// Classic-worker script (importScripts); defines self.BenchMnist.
'use strict';

self.BenchMnist = (() => {
  async function fetchBytes(url) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    const stream = response.body.pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }

  // {images: Uint8Array (the raw IDX file), labels: Uint8Array (raw), count, pixels(limit): Float32Array
  // of the first `limit` images in [0, 1], labelsOf(limit): Uint8Array}.
  async function load(base, split) {
    const prefix = split === 'train' ? 'train' : 't10k';
    const [images, labels] = await Promise.all([
      fetchBytes(`${base}${prefix}-images-idx3-ubyte.gz`), fetchBytes(`${base}${prefix}-labels-idx1-ubyte.gz`)]);
    const view = new DataView(images.buffer, images.byteOffset);
    if (view.getUint32(0) !== 0x803) throw new Error('not an IDX image file');
    const count = view.getUint32(4);
    return {
      images, labels, count,
      pixels(limit) {
        const n = Math.min(limit, count);
        const out = new Float32Array(n * 784);
        for (let i = 0; i < n * 784; i++) out[i] = images[16 + i] / 255;
        return out;
      },
      labelsOf(limit) { return labels.slice(8, 8 + Math.min(limit, count)); },
    };
  }

  return { load };
})();
