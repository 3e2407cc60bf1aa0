#include "learn/forward_forward.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/gemm.h"
#include "learn/hybrid_negatives.h"

namespace fwdlab {
namespace {

// Independent random stream of this rule (labels, masks, initial weights).
constexpr std::uint64_t kForwardForwardStream = 0xF0F0F0F0A5A50003ull;
constexpr float kNeutralLabel = 0.1f;
constexpr float kPeerMomentum = 0.9f;  // running mean of activities for peer normalisation
constexpr int kReadoutDepth = 3;        // ff-unsup reads the last three hidden layers

// softplus(v) = log(1 + e^v), stable for large |v|.
double softplus(double v) { return std::max(v, 0.0) + std::log1p(std::exp(-std::fabs(v))); }
double sigmoid(double v) { return v >= 0 ? 1.0 / (1.0 + std::exp(-v)) : std::exp(v) / (1.0 + std::exp(v)); }

std::string layer_figure(int l, const char* what) { return "layer" + std::to_string(l + 1) + "." + what; }

}  // namespace

ForwardForwardTrainer::ForwardForwardTrainer(const Config& config, int input_features)
    : supervised_(config.rule != "ff-unsup"),
      norm_(parse_norm_kind(config.ff_norm)),
      mean_goodness_(config.ff_goodness == "mean"),
      theta_(static_cast<float>(config.ff_theta)),
      hard_negatives_(config.ff_negatives == "hard"),
      greedy_(config.ff_schedule == "greedy"),
      epochs_(config.epochs),
      peer_weight_(static_cast<float>(config.ff_peer_norm)),
      layer_optimizer_(OptimizerSettings::from_config(config)),
      readout_optimizer_(OptimizerSettings::from_config(config).with_lr(static_cast<float>(config.readout_lr))),
      rng_(config.seed ^ kForwardForwardStream) {
  if (supervised_ && input_features < kNumClasses) {
    throw ConfigError("rule ff writes the label into the first 10 pixels; the input has only " +
                      std::to_string(input_features));
  }
  // Images are square (MNIST, Fashion-MNIST); anything else is blurred as a single row.
  const int side = static_cast<int>(std::lround(std::sqrt(static_cast<double>(input_features))));
  image_height_ = side * side == input_features ? side : 1;
  image_width_ = input_features / image_height_;

  const int depth = static_cast<int>(config.hidden.size());
  int width = input_features;
  for (int l = 0; l < depth; ++l) {
    layers_.emplace_back("layer" + std::to_string(l + 1), width, config.hidden[l]);
    layers_.back().init_he(rng_);
    running_means_.push_back(Vector::Zero(config.hidden[l]));
    width = config.hidden[l];
  }
  for (int l = depth > 1 ? 1 : 0; l < depth; ++l) goodness_layers_.push_back(l);
  if (supervised_) {
    readout_layers_ = goodness_layers_;
  } else {
    for (int l = std::max(0, depth - kReadoutDepth); l < depth; ++l) readout_layers_.push_back(l);
  }
  int features = 0;
  for (int l : readout_layers_) features += config.hidden[l];
  readout_ = Dense("readout", features, kNumClasses);  // zero-initialised linear softmax
}

std::vector<Param*> ForwardForwardTrainer::parameters() {
  std::vector<Param*> out;
  for (Dense& d : layers_) {
    out.push_back(&d.weight);
    out.push_back(&d.bias);
  }
  out.push_back(&readout_.weight);
  out.push_back(&readout_.bias);
  return out;
}

void ForwardForwardTrainer::write_extra_state(StateWriter& out) const {
  rng_.write_state(out);
  for (const Vector& mean : running_means_) out.floats(mean.data(), static_cast<std::size_t>(mean.size()));
}

void ForwardForwardTrainer::read_extra_state(StateReader& in) {
  rng_.read_state(in);
  for (Vector& mean : running_means_) in.floats("peer-normalisation means", mean.data(), static_cast<std::size_t>(mean.size()));
}

void ForwardForwardTrainer::begin_epoch(int epoch) {
  if (!greedy_) return;
  // Greedy: the epochs are split evenly between the layers, first to last.
  const int depth = static_cast<int>(layers_.size());
  // In 64 bits: a resumed checkpoint may carry an epoch up to 2^30, and epoch * depth then
  // overflows an int.
  const long long share = static_cast<long long>(epoch) * depth / std::max(1, epochs_);
  active_layer_ = static_cast<int>(std::min<long long>(depth - 1, share));
}

// --- labels ------------------------------------------------------------------------------------

void ForwardForwardTrainer::embed_labels(const Matrix& x, const std::vector<int>& labels, Matrix& out) {
  out = x;
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    const float top = x.row(i).maxCoeff();
    out.row(i).head(kNumClasses).setZero();
    out(i, labels[i]) = top;
  }
}

void ForwardForwardTrainer::embed_neutral(const Matrix& x, Matrix& out) {
  out = x;
  out.leftCols(kNumClasses).setConstant(kNeutralLabel);
}

void ForwardForwardTrainer::random_wrong_labels(Rng& rng, const std::vector<int>& labels, std::vector<int>& wrong) {
  wrong.resize(labels.size());
  // y + 1 + U{0..8} mod 10 is uniform over the nine labels other than y.
  for (std::size_t i = 0; i < labels.size(); ++i) wrong[i] = (labels[i] + 1 + static_cast<int>(rng.below(9))) % 10;
}

void ForwardForwardTrainer::hard_wrong_labels(Rng& rng, const std::vector<int>& labels, const Matrix& scores,
                                              std::vector<int>& wrong) {
  wrong.resize(labels.size());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    // p(c) proportional to exp(score_c - max) over the wrong labels c != y.
    double top = -std::numeric_limits<double>::infinity();
    for (int c = 0; c < kNumClasses; ++c)
      if (c != labels[i]) top = std::max(top, static_cast<double>(scores(i, c)));
    double weights[kNumClasses];
    double total = 0.0;
    for (int c = 0; c < kNumClasses; ++c) {
      weights[c] = c == labels[i] || !std::isfinite(top) ? 0.0 : std::exp(scores(i, c) - top);
      total += weights[c];
    }
    if (!(total > 0.0) || !std::isfinite(total)) {  // degenerate scores: fall back to uniform
      wrong[i] = (labels[i] + 1 + static_cast<int>(rng.below(9))) % 10;
      continue;
    }
    double u = static_cast<double>(rng.uniform()) * total;
    int pick = -1;
    for (int c = 0; c < kNumClasses; ++c) {
      if (weights[c] <= 0.0) continue;
      pick = c;  // the last wrong label with weight absorbs rounding
      if (u < weights[c]) break;
      u -= weights[c];
    }
    wrong[i] = pick;
  }
}

// --- the layers --------------------------------------------------------------------------------

void ForwardForwardTrainer::forward(const Matrix& x, Trace& t) const {
  const std::size_t depth = layers_.size();
  t.normalized.resize(depth + 1);
  t.activities.resize(depth);
  normalize_rows(x, norm_, t.normalized[0]);
  for (std::size_t l = 0; l < depth; ++l) {
    layers_[l].forward(t.normalized[l], t.activities[l]);
    t.activities[l] = t.activities[l].cwiseMax(0.0f);
    normalize_rows(t.activities[l], norm_, t.normalized[l + 1]);
  }
}

void ForwardForwardTrainer::goodness_rows(const Eigen::Ref<const Matrix>& activities, ColumnVector& goodness) const {
  goodness = activities.rowwise().squaredNorm();
  if (mean_goodness_) goodness /= static_cast<float>(activities.cols());
}

ForwardForwardTrainer::LayerReport ForwardForwardTrainer::fit_layer(int l, const Matrix& input,
                                                                    const Matrix& activities, int pairs) {
  const int n = 2 * pairs;
  const int width = static_cast<int>(activities.cols());
  const auto h = activities.topRows(n);
  goodness_rows(h, goodness_);

  // L = 1/B sum_i softplus(theta - Gp_i) + softplus(Gn_i - theta);
  // dL/dGp_i = -sigmoid(theta - Gp_i) / B, dL/dGn_i = sigmoid(Gn_i - theta) / B.
  LayerReport r;
  dgoodness_.resize(n);
  const double inv_pairs = 1.0 / pairs;
  for (int i = 0; i < pairs; ++i) {
    const double gp = goodness_(i), gn = goodness_(pairs + i);
    r.goodness_pos += gp;
    r.goodness_neg += gn;
    r.separation += gp > gn;
    r.loss += softplus(theta_ - gp) + softplus(gn - theta_);
    dgoodness_(i) = static_cast<float>(-sigmoid(theta_ - gp) * inv_pairs);
    dgoodness_(pairs + i) = static_cast<float>(sigmoid(gn - theta_) * inv_pairs);
  }
  r.goodness_pos *= inv_pairs;
  r.goodness_neg *= inv_pairs;
  r.separation *= inv_pairs;
  r.loss *= inv_pairs;

  // dG/dh = 2h (sum) or 2h / D (mean); relu' is implied because h = 0 where the unit is off.
  const float dg_dh = mean_goodness_ ? 2.0f / width : 2.0f;
  dz_.noalias() = (dgoodness_ * dg_dh).asDiagonal() * h;

  if (peer_weight_ > 0) {
    // m = 0.9 m_old + 0.1 mean_pos(h); loss = lambda mean_j (mbar - m_j)^2;
    // dloss/dh_ij (positive rows) = lambda * 2/D (m_j - mbar) * 0.1 / B (the mbar terms cancel).
    candidate_means_ = kPeerMomentum * running_means_[l] +
                       (1.0f - kPeerMomentum) * h.topRows(pairs).colwise().mean();
    const float mbar = candidate_means_.mean();
    r.peer_loss = peer_weight_ * (candidate_means_.array() - mbar).square().mean();
    const float scale = peer_weight_ * 2.0f / width * (1.0f - kPeerMomentum) / pairs;
    const Vector dh = scale * (candidate_means_.array() - mbar).matrix();
    auto dz_pos = dz_.topRows(pairs);
    dz_pos = (h.topRows(pairs).array() > 0.0f).select((dz_pos.rowwise() + dh).array(), 0.0f).matrix();
  }

  Dense& layer = layers_[l];
  gemm(Transpose::Yes, Transpose::No, 1.0f, input.topRows(n), dz_, 0.0f, layer.weight.grad);  // dW = X^T dZ
  layer.bias.grad = dz_.colwise().sum();
  return r;
}

double ForwardForwardTrainer::layer_objective(int l, const Matrix& input, int pairs) {
  Matrix activities;
  layers_[l].forward(input, activities);
  activities = activities.cwiseMax(0.0f);
  const LayerReport r = fit_layer(l, input, activities, pairs);
  return r.loss + r.peer_loss;
}

// --- readout -----------------------------------------------------------------------------------

void ForwardForwardTrainer::readout_input(const Matrix& x, Matrix& out) const {
  if (supervised_) {
    embed_neutral(x, out);
  } else {
    out = x;
  }
}

void ForwardForwardTrainer::gather_readout_features(const Trace& trace, int first, int count) {
  features_.resize(count, readout_.in());
  int offset = 0;
  for (int l : readout_layers_) {
    const Matrix& a = trace.normalized[l + 1];
    features_.middleCols(offset, a.cols()) = a.middleRows(first, count);
    offset += static_cast<int>(a.cols());
  }
}

double ForwardForwardTrainer::train_readout(const Trace& trace, int first, const std::vector<int>& labels) {
  gather_readout_features(trace, first, static_cast<int>(labels.size()));
  readout_.forward(features_, logits_);
  const double loss = softmax_cross_entropy(logits_, labels, probs_);
  softmax_cross_entropy_backward(probs_, labels, dlogits_);
  readout_.backward(features_, dlogits_, nullptr);  // features are constants: nothing reaches the FF layers
  optimizer_step(readout_optimizer_, readout_.weight);
  optimizer_step(readout_optimizer_, readout_.bias);
  return loss;
}

void ForwardForwardTrainer::readout_scores(const Matrix& x, Matrix& logits) {
  readout_input(x, embedded_);
  forward(embedded_, eval_trace_);
  gather_readout_features(eval_trace_, 0, static_cast<int>(x.rows()));
  readout_.forward(features_, logits);
}

// --- training ----------------------------------------------------------------------------------

StepMetrics ForwardForwardTrainer::train_step(const Matrix& x, const std::vector<int>& labels) {
  const int batch = static_cast<int>(x.rows());
  const int features = static_cast<int>(x.cols());
  // Rows [0, B) positive, [B, 2B) negative: every layer does one matrix product for both.
  stacked_.resize(2 * batch, features);
  if (supervised_) {
    // The neutral-label pass comes first: it feeds the readout and, for hard negatives, gives
    // the model's current preference among the wrong labels (the readout's softmax, as in
    // Hinton's own code) at no extra cost.
    embed_neutral(x, embedded_);
    forward(embedded_, neutral_trace_);
    if (hard_negatives_) {
      gather_readout_features(neutral_trace_, 0, batch);
      readout_.forward(features_, scores_);
      hard_wrong_labels(rng_, labels, scores_, wrong_labels_);
    } else {
      random_wrong_labels(rng_, labels, wrong_labels_);
    }
    embed_labels(x, labels, embedded_);
    stacked_.topRows(batch) = embedded_;
    embed_labels(x, wrong_labels_, embedded_);
    stacked_.bottomRows(batch) = embedded_;
  } else {
    make_hybrid_negatives(rng_, x, image_height_, image_width_, negatives_, masks_, mask_scratch_);
    stacked_.topRows(batch) = x;
    stacked_.bottomRows(batch) = negatives_;
  }
  forward(stacked_, trace_);

  // Each layer learns from its own loss on activities computed before any update this step.
  StepMetrics m;
  for (int l = 0; l < static_cast<int>(layers_.size()); ++l) {
    if (active_layer_ >= 0 && l != active_layer_) continue;
    const LayerReport r = fit_layer(l, trace_.normalized[l], trace_.activities[l], batch);
    optimizer_step(layer_optimizer_, layers_[l].weight);
    optimizer_step(layer_optimizer_, layers_[l].bias);
    if (peer_weight_ > 0) running_means_[l] = candidate_means_;
    m.loss += r.loss;
    m.figures[layer_figure(l, "goodness_pos")] = r.goodness_pos;
    m.figures[layer_figure(l, "goodness_neg")] = r.goodness_neg;
    m.figures[layer_figure(l, "loss")] = r.loss;
    m.figures[layer_figure(l, "separation")] = r.separation;
    if (peer_weight_ > 0) m.figures[layer_figure(l, "peer_loss")] = r.peer_loss;
  }
  m.figures["readout.loss"] = train_readout(supervised_ ? neutral_trace_ : trace_, 0, labels);
  return m;
}

// --- prediction --------------------------------------------------------------------------------

void ForwardForwardTrainer::label_goodness(const Matrix& x, std::vector<Matrix>& goodness) {
  if (!supervised_) throw std::logic_error("label_goodness needs the supervised rule ff");
  const int batch = static_cast<int>(x.rows());
  goodness.resize(layers_.size());
  for (Matrix& g : goodness) g.resize(batch, kNumClasses);
  std::vector<int> label(batch);
  for (int c = 0; c < kNumClasses; ++c) {
    std::fill(label.begin(), label.end(), c);
    embed_labels(x, label, embedded_);
    forward(embedded_, eval_trace_);
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      goodness_rows(eval_trace_.activities[l], goodness_);
      goodness[l].col(c) = goodness_;
    }
  }
}

void ForwardForwardTrainer::predict_scores(const Matrix& x, Matrix& scores) {
  if (!supervised_) {
    readout_scores(x, scores);
    return;
  }
  label_goodness(x, label_goodness_);
  scores.setZero(x.rows(), kNumClasses);
  for (int l : goodness_layers_) scores += label_goodness_[l];
}

Evaluation ForwardForwardTrainer::evaluate(const Dataset& data, int limit) {
  Evaluation softmax = evaluate_scores(data, limit, [this](const Matrix& x, Matrix& s) { readout_scores(x, s); });
  if (!supervised_) {
    softmax.figures["accuracy_softmax"] = softmax.accuracy;
    return softmax;
  }
  Evaluation e = evaluate_scores(data, limit, [this](const Matrix& x, Matrix& s) { predict_scores(x, s); });
  e.figures["accuracy_goodness"] = e.accuracy;
  e.figures["accuracy_softmax"] = softmax.accuracy;
  e.figures["loss_softmax"] = softmax.loss;
  return e;
}

}  // namespace fwdlab
