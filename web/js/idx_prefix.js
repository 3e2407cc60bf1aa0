// IDX files that arrive piece by piece (a classic script: the worker loads it with importScripts,
// Node's tests with require).
//
// The C++ core only reads complete IDX files. While the training images stream in, the page
// trains on their first slice by handing the core a complete, smaller IDX file: the same header
// with the item count rewritten, followed by the first n items.
(function (root) {
  'use strict';

  // {magic, count, dims, headerLength, itemSize} of an IDX header (big-endian), or null when
  // fewer bytes than the header have arrived. Throws on a header that is not IDX uint8 data.
  function readIdxHeader(bytes, length) {
    const have = length === undefined ? bytes.length : length;
    if (have < 4) return null;
    if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08) throw new Error('not an IDX file of bytes (bad magic number)');
    const ndims = bytes[3];
    if (ndims < 1 || ndims > 3) throw new Error(`IDX file with ${ndims} dimensions; expected 1 to 3`);
    const headerLength = 4 + 4 * ndims;
    if (have < headerLength) return null;
    const dv = new DataView(bytes.buffer, bytes.byteOffset, headerLength);
    const dims = [];
    for (let i = 0; i < ndims; i++) dims.push(dv.getUint32(4 + 4 * i));
    const count = dims[0];
    const itemSize = dims.slice(1).reduce((a, b) => a * b, 1);
    return { magic: (bytes[2] << 8) | bytes[3], count, dims, headerLength, itemSize };
  }

  // A complete IDX file holding the first n items of `bytes` (which may be only partly filled:
  // `available` bytes of it have arrived). Throws if fewer than n items have arrived.
  function idxPrefix(bytes, n, available) {
    const have = available === undefined ? bytes.length : available;
    const h = readIdxHeader(bytes, have);
    if (!h) throw new Error('the IDX header has not arrived yet');
    if (!Number.isInteger(n) || n < 0 || n > h.count) throw new Error(`cannot take ${n} of ${h.count} items`);
    const end = h.headerLength + n * h.itemSize;
    if (end > have) throw new Error(`only ${Math.floor((have - h.headerLength) / h.itemSize)} items have arrived, ${n} needed`);
    const out = new Uint8Array(end);
    out.set(bytes.subarray(0, end));
    new DataView(out.buffer).setUint32(4, n);
    return out;
  }

  // How many whole items have arrived.
  function itemsAvailable(bytes, available) {
    const h = readIdxHeader(bytes, available);
    if (!h) return 0;
    return Math.max(0, Math.min(h.count, Math.floor((available - h.headerLength) / h.itemSize)));
  }

  const api = { readIdxHeader, idxPrefix, itemsAvailable };
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
  else root.FwdlabIdx = api;
})(typeof self !== 'undefined' ? self : globalThis);
