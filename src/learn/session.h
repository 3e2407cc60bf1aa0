// A training run: a rule's trainer, its data, the shuffled batch order and the counters.
// Front ends (fwdlab, the wasm bindings) drive a Session; none of them loops over batches itself.
#pragma once

#include <memory>
#include <stdexcept>

#include "core/dataset.h"
#include "learn/trainer.h"
#include "learn/weight_average.h"

namespace fwdlab {

// Thrown when the loss or a weight stops being finite, or the loss blows up to more than
// kDivergenceGrowth times its value at the session's first step; the message suggests a fix.
class DivergenceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A DivergenceError of its own kind: the loss and the weights are finite, but the network's
// outputs have stopped depending on its input, which is what a ReLU network looks like after a
// too-large step switched every unit of a hidden layer off for every input ("dead" units get
// no gradient, so the network can never learn again). Front ends show it as a divergence.
class DeadNetworkError : public DivergenceError {
 public:
  using DivergenceError::DivergenceError;
};

// A finite blow-up counts as divergence too. At the page's largest learning rate (10) only FG-W's
// loss overflows to infinity; every other rule's loss jumps by a factor of 10^4..10^8 within a few
// steps and stays finite, and a ReLU net whose units all died then sits at chance (Forward-Forward
// at lr 0.1 dies after a jump of ~450x). Healthy runs stay within a few times their first loss
// (scripts/divergence-table on real MNIST; the figures are in docs/robustness.md, "The page").
// The reference is the first step's loss, floored at kDivergenceFloor so that a session starting
// from trained weights with a tiny loss does not flag ordinary batch-to-batch noise.
constexpr double kDivergenceGrowth = 100.0;
constexpr double kDivergenceFloor = 0.1;

class Session {
 public:
  // Validates the config against the data (ConfigError) and builds the trainer.
  // Applies config.train_limit to `train`; the data sets are shared, not copied.
  Session(const Config& config, std::shared_ptr<const Dataset> train, std::shared_ptr<const Dataset> test);

  // One minibatch step. Throws DivergenceError at the first non-finite loss or weight, or a loss
  // above kDivergenceGrowth times the reference loss (the first step this Session object took),
  // and DeadNetworkError when the outputs have been independent of the input for kDeadChecks
  // checks in a row (one every kDeadCheckEvery steps); the session should then be discarded
  // (the caller keeps its last good state, e.g. saved weights).
  StepMetrics step();

  static constexpr int kDeadCheckEvery = 20;
  static constexpr int kDeadChecks = 5;

  // Evaluates on the test set (config.test_limit examples, 0 = all).
  Evaluation evaluate();

  // With config.average_epochs > 0 the session keeps a moving average of the weights
  // (learn/weight_average.h), updated after every step. evaluate_averaged() evaluates it in place
  // of the live weights, which it leaves as they were; it requires has_average().
  bool has_average() const { return average_ && average_->count() > 0; }
  Evaluation evaluate_averaged();

  const Config& config() const { return config_; }
  Trainer& trainer() { return *trainer_; }
  const Dataset& train_data() const { return *train_; }
  const Dataset& test_data() const { return *test_; }

  long steps() const { return steps_; }
  long examples_seen() const { return steps_ * config_.batch; }
  int epoch() const { return sampler_.epoch(); }  // 0-based epoch of the next step
  int steps_per_epoch() const { return sampler_.batches_per_epoch(); }
  bool finished() const { return steps_ >= static_cast<long>(config_.epochs) * steps_per_epoch(); }
  // The example indices of the most recent batch (the data order; races compare it).
  const std::vector<int>& last_batch_indices() const { return last_indices_; }

  // Everything a resumed run needs: counters, data order, parameters with their optimiser
  // slots and the rule's random streams (learn/checkpoint.h). read_state checks shapes against
  // this session's model; after it throws, the session must not be used.
  void write_state(StateWriter& out);
  void read_state(StateReader& in);

 private:
  void check_finite(const StepMetrics& metrics);
  void check_alive();
  [[noreturn]] void diverged(const std::string& what, bool dead);

  Config config_;
  std::shared_ptr<const Dataset> train_;
  std::shared_ptr<const Dataset> test_;
  std::unique_ptr<Trainer> trainer_;
  BatchSampler sampler_;
  long steps_ = 0;
  double first_loss_ = -1.0;  // reference of the growth check: this object's first step's loss (-1 = none yet)
  int started_epoch_ = -1;
  Matrix x_;
  std::vector<int> labels_;
  std::vector<int> last_indices_;
  Matrix probe_;          // a few distinct training images whose outputs must not all be equal
  Matrix probe_scores_;
  int dead_checks_ = 0;   // consecutive checks at which they were
  std::unique_ptr<WeightAverage> average_;  // null unless config.average_epochs > 0
};

}  // namespace fwdlab
