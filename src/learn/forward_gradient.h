// Forward gradients (rules "fgw" and "fga"): train the MLP of mlp.h without a backward pass.
//
// A forward-mode pass (forward_mode.h) gives the loss f and its exact directional derivative
// d = grad f . v along a random direction v; g = d v is an unbiased estimate of grad f because
// E[v v^T] = I. The two rules differ in where the direction lives:
//
//   FG-W (Baydin et al. 2022): v ~ N(0, I) over every weight and bias of the network;
//        g = (grad f . v) v. One tangent pass per direction.
//   FG-A (Ren et al. 2023): u ~ N(0, I) over each layer's pre-activations z = x W + b,
//        independently per example; d_i = grad_{z_i} f . u_i comes from a jvp from z to the loss
//        and the weight estimate is sum_i d_i x_i u_i^T = X^T (d .* U), one GEMM per layer.
//        Each layer has its own perturbation and its own jvp (a layer's tangent never mixes
//        with another layer's), so the variance per layer is that of Ren et al.'s Table 1:
//        about (q + 1) |g|^2 instead of (number of parameters + 1) |g|^2 for FG-W.
//        With config.fga_skip_inactive, hidden units whose ReLU is off are not perturbed (their
//        true gradient is exactly zero, so this removes variance without adding bias).
//
// config.fg_tangents = K averages K independent estimates per step. With config.report_cosine,
// a step also computes the true gradient by backprop - for display only, it never enters the
// update - and reports "cosine" (all parameters) and "layer<k>.cosine".
#pragma once

#include <vector>

#include "core/forward_mode.h"
#include "core/optimizer.h"
#include "learn/mlp.h"
#include "learn/trainer.h"

namespace fwdlab {

// Forward-mode evaluation of an MLP: one primal pass, then any number of tangent passes that
// reuse it (each tangent pass costs about one forward pass).
class MlpJvp {
 public:
  // Primal pass: keeps every layer's input and pre-activation, returns the mean cross-entropy.
  double forward(const Mlp& net, const Matrix& x, const std::vector<int>& labels);

  // Directional derivative of the loss along weight tangents (one per layer, shapes of W and b):
  //   z_dot_l = h_{l-1} V_l + h_dot_{l-1} W_l + b_v_l,  h_dot_l = z_dot_l * [z_l > 0],
  //   f_dot = 1/B sum_i (p_i - onehot_i) . z_dot_top_i.
  double weight_tangent(const Mlp& net, const std::vector<DenseTangent>& direction);

  // Per-example directional derivatives d (B) of the loss when layer `layer`'s pre-activation
  // moves along `u` (B x out): the tangent starts at z_layer and travels to the loss only.
  void activity_tangent(const Mlp& net, int layer, const Matrix& u, ColumnVector& d);

  const Mlp::Trace& trace() const { return trace_; }
  const Matrix& probs() const { return probs_; }

 private:
  Mlp::Trace trace_;
  std::vector<int> labels_;
  Matrix probs_;
  Matrix z_dot_, h_dot_;
};

class ForwardGradientTrainer : public Trainer {
 public:
  enum class Perturbation { Weights, Activities };

  ForwardGradientTrainer(const Config& config, int input_features, Perturbation perturbation);

  StepMetrics train_step(const Matrix& x, const std::vector<int>& labels) override;
  void predict_scores(const Matrix& x, Matrix& scores) override { net_.logits(x, scores); }
  std::vector<Param*> parameters() override { return net_.parameters(); }
  void write_extra_state(StateWriter& out) const override { rng_.write_state(out); }
  void read_extra_state(StateReader& in) override { rng_.read_state(in); }

  // Writes the forward-gradient estimate (mean of config.fg_tangents estimates) into every
  // parameter's grad, without updating; returns the batch loss. Draws from the rule's stream.
  double estimate_gradient(const Matrix& x, const std::vector<int>& labels);
  // Writes the exact gradient (backprop) into every parameter's grad; returns the batch loss.
  double true_gradient(const Matrix& x, const std::vector<int>& labels);

  Mlp& network() { return net_; }

 private:
  void estimate_from_weight_perturbation(int tangents);
  void estimate_from_activity_perturbation(int tangents);
  void estimate_on_primal();                             // after jvp_.forward
  void backprop_on_primal(const std::vector<int>& labels);  // exact gradient, after jvp_.forward
  void add_cosine_figures(StepMetrics& metrics);

  OptimizerSettings optimizer_;
  Perturbation perturbation_;
  int tangents_;
  bool skip_inactive_;
  bool report_cosine_;
  Rng rng_;
  Mlp net_;
  MlpJvp jvp_;
  // Scratch kept between steps (the browser calls train_step thousands of times).
  std::vector<DenseTangent> direction_;
  Matrix u_, weighted_u_, dlogits_;
  ColumnVector d_;
  std::vector<Matrix> true_grads_;
};

}  // namespace fwdlab
