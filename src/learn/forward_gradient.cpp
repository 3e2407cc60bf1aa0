#include "learn/forward_gradient.h"

#include <string>

#include "core/gemm.h"
namespace fwdlab {
namespace {

// The rule's own random stream, apart from the initialisation and the data order.
constexpr std::uint64_t kTangentStream = 0xF0D6AD1E00000001ull;

}  // namespace

// --- MlpJvp -----------------------------------------------------------------------------------

double MlpJvp::forward(const Mlp& net, const Matrix& x, const std::vector<int>& labels) {
  net.forward(x, trace_);
  labels_ = labels;
  return softmax_cross_entropy(trace_.logits(), labels_, probs_);
}

double MlpJvp::weight_tangent(const Mlp& net, const std::vector<DenseTangent>& direction) {
  const std::size_t n = net.layers.size();
  for (std::size_t l = 0; l < n; ++l) {
    // z_dot = h V + h_dot W + b_v  (the images carry no tangent: h_dot_0 = 0)
    dense_tangent(net.layers[l], trace_.inputs[l], l > 0 ? &h_dot_ : nullptr, &direction[l], z_dot_);
    if (l + 1 < n) relu_tangent(trace_.pre[l], z_dot_, h_dot_);  // h_dot = z_dot * [z > 0]
  }
  ColumnVector d;
  softmax_cross_entropy_tangent_rows(probs_, labels_, z_dot_, d);  // f_dot = sum_i d_i
  return static_cast<double>(d.cast<double>().sum());
}

void MlpJvp::activity_tangent(const Mlp& net, int layer, const Matrix& u, ColumnVector& d) {
  const int top = static_cast<int>(net.layers.size()) - 1;
  const Matrix* z_dot = &u;  // z_dot_layer = u
  for (int l = layer + 1; l <= top; ++l) {
    relu_tangent(trace_.pre[l - 1], *z_dot, h_dot_);  // h_dot = z_dot * [z > 0]
    gemm(Transpose::No, Transpose::No, 1.0f, h_dot_, net.layers[l].weight.value, 0.0f, z_dot_);  // z_dot = h_dot W
    z_dot = &z_dot_;
  }
  softmax_cross_entropy_tangent_rows(probs_, labels_, *z_dot, d);  // d_i = (p_i - y_i) . z_dot_i / B
}

// --- ForwardGradientTrainer -------------------------------------------------------------------

ForwardGradientTrainer::ForwardGradientTrainer(const Config& config, int input_features, Perturbation perturbation)
    : optimizer_(OptimizerSettings::from_config(config)),
      perturbation_(perturbation),
      tangents_(config.fg_tangents),
      skip_inactive_(config.fga_skip_inactive),
      report_cosine_(config.report_cosine),
      rng_(config.seed ^ kTangentStream) {
  Rng init(config.seed);  // same initial network as backprop for the same seed
  net_ = Mlp(input_features, config.hidden, kNumClasses, init);
  for (const auto& layer : net_.layers) {
    DenseTangent t;
    t.weight.resize(layer.in(), layer.out());
    t.bias.resize(1, layer.out());
    direction_.push_back(std::move(t));
  }
}

void ForwardGradientTrainer::estimate_from_weight_perturbation(int tangents) {
  // g = mean over K of (grad f . v_k) v_k, v_k ~ N(0, I) over all weights and biases.
  const float inv_k = 1.0f / static_cast<float>(tangents);
  for (int k = 0; k < tangents; ++k) {
    for (auto& t : direction_) {
      fill_standard_normal(rng_, t.weight);
      fill_standard_normal(rng_, t.bias);
    }
    const float scale = static_cast<float>(jvp_.weight_tangent(net_, direction_)) * inv_k;
    for (std::size_t l = 0; l < net_.layers.size(); ++l) {
      Dense& layer = net_.layers[l];
      if (k == 0) {
        layer.weight.grad = scale * direction_[l].weight;
        layer.bias.grad = scale * direction_[l].bias;
      } else {
        layer.weight.grad += scale * direction_[l].weight;
        layer.bias.grad += scale * direction_[l].bias;
      }
    }
  }
}

void ForwardGradientTrainer::estimate_from_activity_perturbation(int tangents) {
  // Per layer l with input X (B x p) and pre-activation z (B x q): U ~ N(0, I) (B x q), one row
  // per example; d = per-example jvp from z to the loss;  g_W = X^T (d .* U), g_b = 1^T (d .* U).
  const float inv_k = 1.0f / static_cast<float>(tangents);
  const auto& trace = jvp_.trace();
  const int top = static_cast<int>(net_.layers.size()) - 1;
  for (int k = 0; k < tangents; ++k) {
    for (int l = 0; l <= top; ++l) {
      Dense& layer = net_.layers[l];
      u_.resize(trace.pre[l].rows(), trace.pre[l].cols());
      fill_standard_normal(rng_, u_);
      if (skip_inactive_ && l < top) u_ = (trace.pre[l].array() > 0.0f).select(u_, 0.0f);
      jvp_.activity_tangent(net_, l, u_, d_);
      weighted_u_ = u_.array().colwise() * (d_.array() * inv_k);  // (d .* U) / K
      // X^T (d .* U), one GEMM; summed over the K tangents.
      gemm(Transpose::Yes, Transpose::No, 1.0f, trace.inputs[l], weighted_u_, k == 0 ? 0.0f : 1.0f, layer.weight.grad);
      if (k == 0) layer.bias.grad = weighted_u_.colwise().sum();
      else layer.bias.grad += weighted_u_.colwise().sum();
    }
  }
}

void ForwardGradientTrainer::estimate_on_primal() {
  if (perturbation_ == Perturbation::Weights) {
    estimate_from_weight_perturbation(tangents_);
  } else {
    estimate_from_activity_perturbation(tangents_);
  }
}

void ForwardGradientTrainer::backprop_on_primal(const std::vector<int>& labels) {
  softmax_cross_entropy_backward(jvp_.probs(), labels, dlogits_);
  net_.backward(jvp_.trace(), dlogits_);
}

double ForwardGradientTrainer::estimate_gradient(const Matrix& x, const std::vector<int>& labels) {
  const double loss = jvp_.forward(net_, x, labels);
  estimate_on_primal();
  return loss;
}

double ForwardGradientTrainer::true_gradient(const Matrix& x, const std::vector<int>& labels) {
  const double loss = jvp_.forward(net_, x, labels);
  backprop_on_primal(labels);
  return loss;
}

void ForwardGradientTrainer::add_cosine_figures(StepMetrics& metrics) {
  CosineAccumulator all;
  const auto params = net_.parameters();
  for (std::size_t l = 0; l < net_.layers.size(); ++l) {
    CosineAccumulator layer;
    for (std::size_t j = 2 * l; j < 2 * l + 2; ++j) {
      layer.add(params[j]->grad, true_grads_[j]);
      all.add(params[j]->grad, true_grads_[j]);
    }
    metrics.figures["layer" + std::to_string(l + 1) + ".cosine"] = layer.value();
  }
  metrics.figures["cosine"] = all.value();
}

StepMetrics ForwardGradientTrainer::train_step(const Matrix& x, const std::vector<int>& labels) {
  StepMetrics metrics;
  metrics.loss = jvp_.forward(net_, x, labels);
  if (report_cosine_) {
    // The true gradient, for display only: computed first, kept aside, then overwritten by the
    // estimate. The estimate draws the same random numbers with or without it.
    backprop_on_primal(labels);
    true_grads_.resize(net_.layers.size() * 2);
    const auto params = net_.parameters();
    for (std::size_t j = 0; j < params.size(); ++j) true_grads_[j] = params[j]->grad;
  }
  estimate_on_primal();
  if (report_cosine_) add_cosine_figures(metrics);
  for (Param* p : net_.parameters()) optimizer_step(optimizer_, *p);
  return metrics;
}

}  // namespace fwdlab
