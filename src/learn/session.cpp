#include "learn/session.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "learn/registry.h"

namespace fwdlab {
namespace {

std::shared_ptr<const Dataset> limited(std::shared_ptr<const Dataset> data, int limit) {
  if (limit <= 0 || limit >= data->count) return data;
  return std::make_shared<const Dataset>(data->head(limit));
}

// Seed of the data order, kept apart from the rule's own stream so two rules with the same seed
// see the same batches.
constexpr std::uint64_t kDataOrderStream = 0x5EED0DA7A0000001ull;

}  // namespace

Session::Session(const Config& config, std::shared_ptr<const Dataset> train, std::shared_ptr<const Dataset> test)
    : config_(config),
      train_(limited(std::move(train), config.train_limit)),
      test_(std::move(test)),
      trainer_((validate(config_, train_->count), make_trainer(config_, train_->features()))),
      sampler_(train_->count, config_.batch, Rng(config_.seed ^ kDataOrderStream)) {}

StepMetrics Session::step() {
  const int* indices = sampler_.next();
  if (sampler_.epoch() != started_epoch_) {
    started_epoch_ = sampler_.epoch();
    trainer_->begin_epoch(started_epoch_);
  }
  last_indices_.assign(indices, indices + config_.batch);
  gather_batch(*train_, indices, config_.batch, x_, labels_);
  StepMetrics metrics = trainer_->train_step(x_, labels_);
  ++steps_;
  check_divergence(metrics);
  return metrics;
}

void Session::check_divergence(const StepMetrics& metrics) {
  std::string what;
  if (steps_ == 1) first_loss_ = metrics.loss;
  const double limit = kDivergenceGrowth * std::max(first_loss_, kDivergenceFloor);
  if (!std::isfinite(metrics.loss)) {
    what = "the loss is no longer a finite number";
  } else if (metrics.loss > limit) {
    std::ostringstream grew;
    grew << "the loss grew from " << first_loss_ << " at step 1 to " << metrics.loss << " (over "
         << kDivergenceGrowth << " times)";
    what = grew.str();
  } else if (steps_ % 16 == 0 || steps_ < 16) {
    // Weights are checked every 16 steps (a full scan costs a few percent of a step); a blow-up
    // shows in the loss first almost always.
    for (Param* p : trainer_->parameters()) {
      if (!all_finite(p->value)) {
        what = "a weight is no longer a finite number";
        break;
      }
    }
  }
  if (what.empty()) return;
  std::ostringstream message;
  message << "training diverged at step " << steps_ << ": " << what << ". The learning rate " << config_.lr
          << " is too large for rule " << config_.rule << "; try " << config_.lr / 10
          << " and reset.";
  throw DivergenceError(message.str());
}

Evaluation Session::evaluate() { return trainer_->evaluate(*test_, config_.test_limit); }

}  // namespace fwdlab
