// The confusion matrix of a full evaluation, tallied from the labels it predicted (a classic
// script: both workers load it with importScripts, Node's tests with vm).
(function (root) {
  'use strict';

  // {confusion, correct} for the first `count` examples: confusion[true * 10 + predicted] counts
  // them, correct counts the diagonal (the evaluation's own accuracy, from the same labels).
  // null when the predictions do not cover `count` test labels (nothing half-counted is shown).
  function tallyConfusion(predicted, labels, count) {
    if (!predicted || !labels || predicted.length !== count || count > labels.length) return null;
    const confusion = new Uint32Array(100);
    let correct = 0;
    for (let i = 0; i < count; i++) {
      const p = predicted[i];
      confusion[labels[i] * 10 + p]++;
      if (p === labels[i]) correct++;
    }
    return { confusion, correct };
  }

  const api = { tallyConfusion };
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
  else root.FwdlabConfusion = api;
})(typeof self !== 'undefined' ? self : globalThis);
