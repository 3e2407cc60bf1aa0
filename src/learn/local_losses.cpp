#include "learn/local_losses.h"

#include <string>

#include "core/dataset.h"
#include "core/gemm.h"

namespace fwdlab {
namespace {

constexpr std::uint64_t kLocalStream = 0x10CA110550000001ull;

std::uint64_t block_seed(std::uint64_t seed, int block) {
  return seed ^ kLocalStream ^ (0x9E3779B97F4A7C15ull * static_cast<std::uint64_t>(block + 1));
}

// a = s * b on the first step of a sum, a += s * b afterwards.
template <typename Dst, typename Src>
void set_or_add(bool first, Dst&& a, const Src& b) {
  if (first) a = b;
  else a += b;
}

}  // namespace

LocalLossTrainer::LocalLossTrainer(const Config& config, int input_features, Estimator estimator)
    : optimizer_(OptimizerSettings::from_config(config)),
      estimator_(estimator),
      groups_(config.lg_groups),
      tangents_(config.fg_tangents),
      skip_inactive_(config.fga_skip_inactive),
      report_cosine_(config.report_cosine && estimator != Estimator::Backprop) {
  Rng init(config.seed);
  int width = input_features;
  for (std::size_t k = 0; k < config.hidden.size(); ++k) {
    const std::string name = "layer" + std::to_string(k + 1);
    Block b;
    b.layer = Dense(name, width, config.hidden[k]);
    b.rng = Rng(block_seed(config.seed, static_cast<int>(k)));
    b.layer.init_he(init);
    const int group = config.hidden[k] / groups_;
    for (int g = 0; g < groups_; ++g) {
      b.heads.emplace_back(name + ".head" + std::to_string(g + 1), group, kNumClasses);
      b.heads.back().init_he(init, 0.70710678f);  // a softmax follows: variance 1/in
      DenseTangent t;
      t.weight.resize(group, kNumClasses);
      t.bias.resize(1, kNumClasses);
      b.head_direction.push_back(std::move(t));
    }
    b.direction.weight.resize(width, config.hidden[k]);
    b.direction.bias.resize(1, config.hidden[k]);
    b.group_logits.resize(groups_);
    b.group_probs.resize(groups_);
    b.group_loss.resize(groups_);
    blocks_.push_back(std::move(b));
    width = config.hidden[k];
  }
  active_.assign(blocks_.size(), true);
}

std::vector<Param*> LocalLossTrainer::block_parameters(int k) {
  Block& b = blocks_[k];
  std::vector<Param*> params = {&b.layer.weight, &b.layer.bias};
  for (auto& head : b.heads) {
    params.push_back(&head.weight);
    params.push_back(&head.bias);
  }
  return params;
}

std::vector<Param*> LocalLossTrainer::parameters() {
  std::vector<Param*> params;
  for (int k = 0; k < block_count(); ++k) {
    const auto p = block_parameters(k);
    params.insert(params.end(), p.begin(), p.end());
  }
  return params;
}

void LocalLossTrainer::set_active_blocks(const std::vector<bool>& active) {
  if (active.size() != blocks_.size()) throw std::invalid_argument("set_active_blocks: one flag per block");
  active_ = active;
}

void LocalLossTrainer::forward_block(Block& b, const Matrix& input, bool with_loss, const std::vector<int>& labels) {
  b.layer.forward(input, b.z);  // z = x W + b
  relu_forward(b.z, b.h);       // h = relu(z)
  if (!with_loss) return;
  const int s = group_width(b);
  for (int g = 0; g < groups_; ++g) {
    // logits_g = h[:, group g] A_g + c_g;  L_g = CE(logits_g)
    Matrix& logits = b.group_logits[g];
    gemm(Transpose::No, Transpose::No, 1.0f, b.h.middleCols(g * s, s), b.heads[g].weight.value, 0.0f, logits);
    logits.rowwise() += b.heads[g].bias.value.row(0);
    b.group_loss[g] = softmax_cross_entropy(logits, labels, b.group_probs[g]);
  }
}

double LocalLossTrainer::forward_all(const Matrix& x, const std::vector<int>& labels) {
  double loss = 0.0;
  int count = 0;
  for (int k = 0; k < block_count(); ++k) {
    Block& b = blocks_[k];
    forward_block(b, block_input(k, x), active_[k], labels);
    if (!active_[k]) continue;
    for (double l : b.group_loss) loss += l;
    count += groups_;
  }
  return count > 0 ? loss / count : 0.0;
}

void LocalLossTrainer::backprop_block(Block& b, const Matrix& input, const std::vector<int>& labels) {
  // Exact gradient of L_k = sum_g L_g inside the block; nothing flows into `input`.
  const int s = group_width(b);
  b.dh.resize(b.h.rows(), b.h.cols());
  for (int g = 0; g < groups_; ++g) {
    Dense& head = b.heads[g];
    softmax_cross_entropy_backward(b.group_probs[g], labels, b.group_dot);  // dlogits = (p - y)/B
    gemm(Transpose::Yes, Transpose::No, 1.0f, b.h.middleCols(g * s, s), b.group_dot, 0.0f, head.weight.grad);
    head.bias.grad = b.group_dot.colwise().sum();
    gemm(Transpose::No, Transpose::Yes, 1.0f, b.group_dot, head.weight.value, 0.0f, b.dh.middleCols(g * s, s));
  }
  relu_backward(b.z, b.dh, b.dz);  // dz = dh * [z > 0]
  b.layer.backward(input, b.dz, nullptr);
}

void LocalLossTrainer::activity_estimate(Block& b, const Matrix& input, const std::vector<int>& labels, float weight,
                                         bool first) {
  const int s = group_width(b);
  // Block layer: U ~ N(0, I) on z (B x width), one row per example.
  b.u.resize(b.z.rows(), b.z.cols());
  fill_standard_normal(b.rng, b.u);
  if (skip_inactive_) b.u = (b.z.array() > 0.0f).select(b.u, 0.0f);
  relu_tangent(b.z, b.u, b.h_dot);  // h_dot = u * [z > 0]
  b.weighted_u.resize(b.u.rows(), b.u.cols());
  for (int g = 0; g < groups_; ++g) {
    // jvp to group g's loss: logits_dot = h_dot_g A_g;  d_i = (p_i - y_i) . logits_dot_i / B
    gemm(Transpose::No, Transpose::No, 1.0f, b.h_dot.middleCols(g * s, s), b.heads[g].weight.value, 0.0f, b.group_dot);
    softmax_cross_entropy_tangent_rows(b.group_probs[g], labels, b.group_dot, b.d);
    b.weighted_u.middleCols(g * s, s) = b.u.middleCols(g * s, s).array().colwise() * (b.d.array() * weight);
  }
  // g_W = X^T (d .* U), g_b = 1^T (d .* U): one GEMM for all groups.
  gemm(Transpose::Yes, Transpose::No, 1.0f, input, b.weighted_u, first ? 0.0f : 1.0f, b.layer.weight.grad);
  set_or_add(first, b.layer.bias.grad, b.weighted_u.colwise().sum());

  // Heads: U' ~ N(0, I) on each head's logits (B x 10); d' = jvp of that head's loss.
  for (int g = 0; g < groups_; ++g) {
    Dense& head = b.heads[g];
    b.head_u.resize(b.h.rows(), kNumClasses);
    fill_standard_normal(b.rng, b.head_u);
    softmax_cross_entropy_tangent_rows(b.group_probs[g], labels, b.head_u, b.d);
    b.head_u.array().colwise() *= b.d.array() * weight;
    gemm(Transpose::Yes, Transpose::No, 1.0f, b.h.middleCols(g * s, s), b.head_u, first ? 0.0f : 1.0f,
         head.weight.grad);
    set_or_add(first, head.bias.grad, b.head_u.colwise().sum());
  }
}

void LocalLossTrainer::weight_estimate(Block& b, const Matrix& input, const std::vector<int>& labels, float weight,
                                       bool first) {
  const int s = group_width(b);
  // v ~ N(0, I) over W, b and every head.
  fill_standard_normal(b.rng, b.direction.weight);
  fill_standard_normal(b.rng, b.direction.bias);
  for (auto& t : b.head_direction) {
    fill_standard_normal(b.rng, t.weight);
    fill_standard_normal(b.rng, t.bias);
  }
  dense_tangent(b.layer, input, nullptr, &b.direction, b.z_dot);  // z_dot = x V + b_v (input: no tangent)
  relu_tangent(b.z, b.z_dot, b.h_dot);                            // h_dot = z_dot * [z > 0]
  for (int g = 0; g < groups_; ++g) {
    Dense& head = b.heads[g];
    // logits_dot = h_g V'_g + h_dot_g A_g + c_v;  d_g = 1/B sum_i (p_i - y_i) . logits_dot_i
    gemm(Transpose::No, Transpose::No, 1.0f, b.h.middleCols(g * s, s), b.head_direction[g].weight, 0.0f, b.group_dot);
    gemm(Transpose::No, Transpose::No, 1.0f, b.h_dot.middleCols(g * s, s), head.weight.value, 1.0f, b.group_dot);
    b.group_dot.rowwise() += b.head_direction[g].bias.row(0);
    softmax_cross_entropy_tangent_rows(b.group_probs[g], labels, b.group_dot, b.d);
    const float dg = static_cast<float>(b.d.cast<double>().sum()) * weight;
    // Group g's loss depends on its own columns of W and b and on its head only.
    set_or_add(first, b.layer.weight.grad.middleCols(g * s, s), dg * b.direction.weight.middleCols(g * s, s));
    set_or_add(first, b.layer.bias.grad.middleCols(g * s, s), dg * b.direction.bias.middleCols(g * s, s));
    set_or_add(first, head.weight.grad, dg * b.head_direction[g].weight);
    set_or_add(first, head.bias.grad, dg * b.head_direction[g].bias);
  }
}

void LocalLossTrainer::estimate_block(Block& b, const Matrix& input, const std::vector<int>& labels) {
  if (estimator_ == Estimator::Backprop) {
    backprop_block(b, input, labels);
    return;
  }
  const float weight = 1.0f / static_cast<float>(tangents_);
  for (int k = 0; k < tangents_; ++k) {
    if (estimator_ == Estimator::ActivityPerturbation) activity_estimate(b, input, labels, weight, k == 0);
    else weight_estimate(b, input, labels, weight, k == 0);
  }
}

double LocalLossTrainer::estimate_gradient(const Matrix& x, const std::vector<int>& labels) {
  const double loss = forward_all(x, labels);
  for (int k = 0; k < block_count(); ++k) {
    if (active_[k]) estimate_block(blocks_[k], block_input(k, x), labels);
  }
  return loss;
}

double LocalLossTrainer::true_gradient(const Matrix& x, const std::vector<int>& labels) {
  const double loss = forward_all(x, labels);
  for (int k = 0; k < block_count(); ++k) {
    if (active_[k]) backprop_block(blocks_[k], block_input(k, x), labels);
  }
  return loss;
}

StepMetrics LocalLossTrainer::train_step(const Matrix& x, const std::vector<int>& labels) {
  StepMetrics metrics;
  metrics.loss = forward_all(x, labels);
  CosineAccumulator all;
  for (int k = 0; k < block_count(); ++k) {
    if (!active_[k]) continue;
    Block& b = blocks_[k];
    const Matrix& input = block_input(k, x);
    const auto params = block_parameters(k);
    if (report_cosine_) {
      // Exact local gradient, for display only; the estimate below overwrites it.
      backprop_block(b, input, labels);
      true_grads_.resize(params.size());
      for (std::size_t j = 0; j < params.size(); ++j) true_grads_[j] = params[j]->grad;
    }
    estimate_block(b, input, labels);
    if (report_cosine_) {
      CosineAccumulator block;
      for (std::size_t j = 0; j < params.size(); ++j) {
        block.add(params[j]->grad, true_grads_[j]);
        all.add(params[j]->grad, true_grads_[j]);
      }
      metrics.figures["layer" + std::to_string(k + 1) + ".cosine"] = block.value();
    }
    double block_loss = 0.0;
    for (double l : b.group_loss) block_loss += l;
    metrics.figures["layer" + std::to_string(k + 1) + ".loss"] = block_loss / groups_;
    for (Param* p : params) optimizer_step(optimizer_, *p);
  }
  if (report_cosine_) metrics.figures["cosine"] = all.value();
  return metrics;
}

void LocalLossTrainer::predict_scores(const Matrix& x, Matrix& scores) {
  // Through every block, then the mean of the last block's group heads' logits.
  const Matrix* h = &x;
  for (auto& b : blocks_) {
    b.layer.forward(*h, predict_z_);
    relu_forward(predict_z_, predict_h_);
    h = &predict_h_;
  }
  const Block& last = blocks_.back();
  const int s = group_width(last);
  scores.setZero(x.rows(), kNumClasses);
  for (int g = 0; g < groups_; ++g) {
    gemm(Transpose::No, Transpose::No, 1.0f, predict_h_.middleCols(g * s, s), last.heads[g].weight.value, 1.0f, scores);
    scores.rowwise() += last.heads[g].bias.value.row(0);
  }
  scores /= static_cast<float>(groups_);
}

}  // namespace fwdlab
