// Template definitions for trainer.h.
#pragma once

#include <algorithm>
#include <numeric>

namespace fwdlab {

template <typename ScoresFn>
Evaluation evaluate_scores(const Dataset& data, int limit, ScoresFn&& scores_fn) {
  constexpr int kChunk = 500;  // bounds memory for wide layers
  const int n = limit > 0 ? std::min(limit, data.count) : data.count;
  Evaluation e;
  e.count = n;
  if (n == 0) return e;
  e.predicted.resize(n);
  std::vector<int> indices(kChunk);
  std::vector<int> labels;
  Matrix x, scores, probs;
  int correct = 0;
  double loss_sum = 0.0;
  for (int start = 0; start < n; start += kChunk) {
    const int size = std::min(kChunk, n - start);
    indices.resize(size);
    std::iota(indices.begin(), indices.end(), start);
    gather_batch(data, indices.data(), size, x, labels);
    scores_fn(x, scores);
    const auto predicted = argmax_rows(scores);
    for (int i = 0; i < size; ++i) {
      correct += predicted[i] == labels[i];
      e.predicted[start + i] = static_cast<std::uint8_t>(predicted[i]);
    }
    loss_sum += softmax_cross_entropy(scores, labels, probs) * size;
  }
  e.accuracy = static_cast<double>(correct) / n;
  e.loss = loss_sum / n;
  return e;
}

}  // namespace fwdlab
