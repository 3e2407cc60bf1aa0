// The interface every learning rule implements, and the figures a step and an evaluation report.
//
//   auto trainer = make_trainer(config, train.features());   // registry.h
//   StepMetrics m = trainer->train_step(x, labels);          // x: B x 784 in [0, 1]
//   Evaluation e = trainer->evaluate(test);                  // accuracy, loss, rule figures
//
// A rule owns its parameters, its optimiser state and its random stream (seeded from the
// Config), so the same seed and the same batches give a bit-identical run on the same build.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/dataset.h"
#include "core/layers.h"
#include "core/state_stream.h"
#include "core/tensor.h"

namespace fwdlab {

struct StepMetrics {
  double loss = 0.0;  // the rule's own training loss, averaged over the batch
  // Rule-specific figures with stable names, e.g. "layer1.goodness_pos" or "cosine".
  std::map<std::string, double> figures;
};

struct Evaluation {
  int count = 0;          // examples evaluated
  double accuracy = 0.0;  // fraction correct, by the rule's main prediction
  double loss = 0.0;      // mean cross-entropy of the main prediction's softmax scores
  std::map<std::string, double> figures;  // e.g. accuracy of a second prediction mode
  // The main prediction's label (0..9) for each of the `count` examples, in data order: the one
  // `accuracy` counts. Front ends build confusion matrices and galleries from it instead of
  // predicting the same images again (for Forward-Forward that is 10 passes per image).
  std::vector<std::uint8_t> predicted;
};

class Trainer {
 public:
  virtual ~Trainer() = default;

  // One learning step on a minibatch (x: B x features, labels in 0..9).
  virtual StepMetrics train_step(const Matrix& x, const std::vector<int>& labels) = 0;

  // Class scores (B x 10), larger means more likely: logits for softmax models, per-label
  // goodness for Forward-Forward. Used for accuracy, confusion matrices and drawn digits.
  virtual void predict_scores(const Matrix& x, Matrix& scores) = 0;

  // Every trainable tensor, in a fixed order (save/load, determinism and divergence checks).
  virtual std::vector<Param*> parameters() = 0;

  // Called before the first step of each epoch (0-based), e.g. for greedy layer schedules.
  virtual void begin_epoch(int /*epoch*/) {}

  // State besides parameters() and their optimiser slots that a resumed run needs to continue
  // bit-identically: random streams, running statistics (checkpoints; learn/checkpoint.h).
  virtual void write_extra_state(StateWriter& /*out*/) const {}
  virtual void read_extra_state(StateReader& /*in*/) {}

  // Accuracy and loss over the first `limit` examples of `data` (0 = all). The default uses
  // predict_scores in chunks; rules with several prediction modes override it.
  virtual Evaluation evaluate(const Dataset& data, int limit = 0);
};

// Evaluation helper for rules: argmax accuracy, softmax cross-entropy and the argmax labels of
// `scores_fn` over data.
template <typename ScoresFn>
Evaluation evaluate_scores(const Dataset& data, int limit, ScoresFn&& scores_fn);

}  // namespace fwdlab

#include "learn/trainer_impl.h"
