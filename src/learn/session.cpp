#include "learn/session.h"

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
  check_finite(metrics);
  return metrics;
}

void Session::check_finite(const StepMetrics& metrics) {
  const char* what = nullptr;
  if (!std::isfinite(metrics.loss)) {
    what = "the loss";
  } else if (steps_ % 16 == 0 || steps_ < 16) {
    // Weights are checked every 16 steps (a full scan costs a few percent of a step); a blow-up
    // shows in the loss first almost always.
    for (Param* p : trainer_->parameters()) {
      if (!all_finite(p->value)) {
        what = "a weight";
        break;
      }
    }
  }
  if (!what) return;
  std::ostringstream message;
  message << "training diverged at step " << steps_ << ": " << what
          << " is no longer a finite number. The learning rate " << config_.lr
          << " is too large for rule " << config_.rule << "; try " << config_.lr / 10
          << " and reset.";
  throw DivergenceError(message.str());
}

Evaluation Session::evaluate() { return trainer_->evaluate(*test_, config_.test_limit); }

void Session::write_state(StateWriter& out) {
  out.i64(steps_);
  out.i64(started_epoch_);
  sampler_.write_state(out);
  const std::vector<Param*> params = trainer_->parameters();
  out.u64(params.size());
  for (const Param* p : params) {
    out.string(p->name);
    out.matrix(p->value);
    out.matrix(p->slot1);
    out.matrix(p->slot2);
    out.i64(p->steps);
  }
  trainer_->write_extra_state(out);
}

void Session::read_state(StateReader& in) {
  const std::int64_t steps = in.i64("step count");
  const std::int64_t started_epoch = in.i64("epoch");
  if (steps < 0 || started_epoch < -1 || started_epoch > (1 << 30)) in.fail("step count out of range");
  sampler_.read_state(in);
  const std::vector<Param*> params = trainer_->parameters();
  if (in.u64("parameter count") != params.size()) in.fail("the checkpoint has another number of parameter tensors");
  for (Param* p : params) {
    const std::string name = in.string("parameter name", 256);
    if (name != p->name) in.fail("parameter '" + name + "' found where '" + p->name + "' was expected");
    in.matrix(p->name.c_str(), p->value);
    in.optional_matrix(p->name.c_str(), p->slot1, p->value.rows(), p->value.cols());
    in.optional_matrix(p->name.c_str(), p->slot2, p->value.rows(), p->value.cols());
    p->steps = static_cast<long>(in.i64("optimiser step count"));
  }
  trainer_->read_extra_state(in);
  if (!in.at_end()) in.fail("unexpected bytes after the training state");
  steps_ = static_cast<long>(steps);
  started_epoch_ = static_cast<int>(started_epoch);
  if (started_epoch_ >= 0) trainer_->begin_epoch(started_epoch_);  // e.g. the greedy FF schedule's layer
}

}  // namespace fwdlab
