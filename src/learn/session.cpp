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

// Opens the optional last section of the state: the weight average (--average-epochs).
constexpr const char* kAverageTag = "weight average";

// Up to kProbeRows pairwise-different images from the start of `data`: equal outputs for equal
// inputs would say nothing about the network.
constexpr int kProbeRows = 8;
Matrix distinct_probe(const Dataset& data) {
  std::vector<int> picked;
  const std::size_t bytes = static_cast<std::size_t>(data.features());
  for (int i = 0; i < std::min(data.count, 256) && static_cast<int>(picked.size()) < kProbeRows; ++i) {
    bool seen = false;
    for (int j : picked) seen = seen || std::equal(data.image(i), data.image(i) + bytes, data.image(j));
    if (!seen) picked.push_back(i);
  }
  Matrix probe;
  std::vector<int> unused;
  if (picked.size() >= 2) gather_batch(data, picked.data(), static_cast<int>(picked.size()), probe, unused);
  return probe;
}

}  // namespace

Session::Session(const Config& config, std::shared_ptr<const Dataset> train, std::shared_ptr<const Dataset> test)
    : config_(config),
      train_(limited(std::move(train), config.train_limit)),
      test_(std::move(test)),
      trainer_((validate(config_, train_->count), make_trainer(config_, train_->features()))),
      sampler_(train_->count, config_.batch, Rng(config_.seed ^ kDataOrderStream)),
      probe_(distinct_probe(*train_)) {
  if (config_.average_epochs > 0) {
    const double horizon = std::round(config_.average_epochs * sampler_.batches_per_epoch());
    average_ = std::make_unique<WeightAverage>(static_cast<long>(std::max(1.0, horizon)));
  }
}

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
  if (steps_ % kDeadCheckEvery == 0) check_alive();
  if (average_) average_->update(trainer_->parameters());  // after the checks: only finite weights
  return metrics;
}

void Session::check_finite(const StepMetrics& metrics) {
  if (!std::isfinite(metrics.loss)) diverged("the loss is no longer a finite number", false);
  // A finite blow-up counts too (see kDivergenceGrowth). The reference is the first step this
  // object took, so a run resumed from a checkpoint measures growth from where it resumed.
  if (first_loss_ < 0) first_loss_ = metrics.loss;
  if (metrics.loss > kDivergenceGrowth * std::max(first_loss_, kDivergenceFloor)) {
    std::ostringstream grew;
    grew << "the loss grew from " << first_loss_ << " to " << metrics.loss << " (over " << kDivergenceGrowth
         << " times)";
    diverged(grew.str(), false);
  }
  // Every step: a NaN weight can hide behind a ReLU (max(NaN, 0) may give 0) and leave the loss
  // finite, so the loss alone does not show the first non-finite weight. The scan reads each
  // weight once (docs/robustness.md has its cost).
  for (Param* p : trainer_->parameters()) {
    if (!all_finite(p->value)) diverged("a weight (" + p->name + ") is no longer a finite number", false);
  }
}

void Session::check_alive() {
  if (probe_.rows() < 2) return;
  trainer_->predict_scores(probe_, probe_scores_);
  bool constant = true;
  for (Eigen::Index r = 1; r < probe_scores_.rows() && constant; ++r) {
    constant = probe_scores_.row(r) == probe_scores_.row(0);
  }
  dead_checks_ = constant ? dead_checks_ + 1 : 0;
  if (dead_checks_ >= kDeadChecks) {
    diverged("the network's outputs no longer depend on its input (every ReLU unit of a hidden layer is "
             "off for every image, so no gradient can switch them back on)",
             true);
  }
}

void Session::diverged(const std::string& what, bool dead) {
  std::ostringstream message;
  message << "training " << (dead ? "stalled" : "diverged") << " at step " << steps_ << ": " << what
          << ". The learning rate " << config_.lr << " is too large for rule " << config_.rule << "; try "
          << config_.lr / 10 << " and reset.";
  if (dead) throw DeadNetworkError(message.str());
  throw DivergenceError(message.str());
}

Evaluation Session::evaluate() { return trainer_->evaluate(*test_, config_.test_limit); }

Evaluation Session::evaluate_averaged() {
  if (!has_average()) throw std::logic_error("Session::evaluate_averaged: no weight average yet");
  return with_averaged_weights(*average_, trainer_->parameters(), [&] { return evaluate(); });
}

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
  if (average_) {
    out.string(kAverageTag);
    average_->write_state(out);
  }
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
  // The weight average comes last and is optional both ways: a run that keeps none skips a
  // stored one, a run that keeps one starts it afresh from a checkpoint that has none.
  if (in.take_tag(kAverageTag)) {
    WeightAverage skipped(1);
    (average_ ? *average_ : skipped).read_state(in, params);
  }
  if (!in.at_end()) in.fail("unexpected bytes after the training state");
  steps_ = static_cast<long>(steps);
  started_epoch_ = static_cast<int>(started_epoch);
  if (started_epoch_ >= 0) trainer_->begin_epoch(started_epoch_);  // e.g. the greedy FF schedule's layer
}

}  // namespace fwdlab
