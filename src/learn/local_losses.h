// Local greedy losses (rules "lg-fga", "lg-fgw", "lg-bp"), after Ren et al. 2023.
//
// The network is a stack of blocks; block k is one hidden layer  h_k = relu(h_{k-1} W_k + b_k)
// (config.hidden gives the widths). Each block's units are split into G = config.lg_groups
// contiguous groups of width/G units, and group g has its own linear softmax head
//   logits_{k,g} = h_k[:, group g] A_{k,g} + c_{k,g}      (A: width/G x 10)
// with its own cross-entropy loss L_{k,g}. Block k's loss is L_k = sum_g L_{k,g}: each group's
// loss reaches only its own units' incoming weights (the columns of W_k in the group) and its
// own head, so summing (rather than averaging) gives every group the step of a one-group block.
//
// Stop-gradient at every block boundary: block k's input h_{k-1} is a constant to block k, so
// neither gradients nor tangents cross it and block k learns from L_k alone. There is no other
// output layer: the prediction is the mean of the last block's group heads' logits.
//
// How each rule estimates grad L_k for block k's parameters (W_k, b_k and its heads):
//   lg-bp : backprop inside the block (exact).
//   lg-fga: activity perturbation. U ~ N(0, I) per example on z_k = h_{k-1} W_k + b_k (the
//           units whose ReLU is off are left out with config.fga_skip_inactive); the jvp to each
//           group's loss gives d_{g,i}; the columns of group g get X^T (d_g .* U_g). Each head's
//           logits are perturbed likewise: A_{k,g} gets h_g^T (d' .* U'). One GEMM per layer.
//   lg-fgw: weight perturbation. V ~ N(0, I) over W_k, b_k and every head; d_g = grad L_{k,g} . v
//           (one scalar per group); the columns of group g and head g get d_g times their part of v.
// config.fg_tangents averages K estimates. With config.report_cosine a step also computes the
// exact local gradient (lg-bp's) for display: "cosine" and "layer<k>.cosine" (block k with heads).
#pragma once

#include <vector>

#include "core/forward_mode.h"
#include "core/optimizer.h"
#include "learn/trainer.h"

namespace fwdlab {

class LocalLossTrainer : public Trainer {
 public:
  enum class Estimator { Backprop, ActivityPerturbation, WeightPerturbation };

  LocalLossTrainer(const Config& config, int input_features, Estimator estimator);

  StepMetrics train_step(const Matrix& x, const std::vector<int>& labels) override;
  void predict_scores(const Matrix& x, Matrix& scores) override;
  std::vector<Param*> parameters() override;
  void write_extra_state(StateWriter& out) const override {
    for (const Block& b : blocks_) b.rng.write_state(out);
  }
  void read_extra_state(StateReader& in) override {
    for (Block& b : blocks_) b.rng.read_state(in);
  }

  // Only the blocks whose flag is set compute their local loss and update (all by default).
  // Each block has its own random stream, so one block's updates do not depend on another's flag.
  void set_active_blocks(const std::vector<bool>& active);

  // Runs the primal pass and writes the estimate of every active block's local-loss gradient
  // into its parameters' grad (no update). Returns the mean local loss.
  double estimate_gradient(const Matrix& x, const std::vector<int>& labels);
  // Same with the exact local gradients (what lg-bp uses).
  double true_gradient(const Matrix& x, const std::vector<int>& labels);

  int block_count() const { return static_cast<int>(blocks_.size()); }
  std::vector<Param*> block_parameters(int block);

 private:
  struct Block {
    Dense layer;               // h_{k-1} -> z_k
    std::vector<Dense> heads;  // one linear softmax head per group
    Rng rng{1};  // the block's own stream, seeded in the constructor
    // Scratch of the current step.
    Matrix z, h;                      // pre-activation and ReLU output
    std::vector<Matrix> group_logits, group_probs;
    std::vector<double> group_loss;
    Matrix dh, dz, u, weighted_u, head_u, z_dot, h_dot, group_dot;
    ColumnVector d;
    std::vector<DenseTangent> head_direction;
    DenseTangent direction;
  };

  int group_width(const Block& b) const { return b.layer.out() / groups_; }
  void forward_block(Block& b, const Matrix& input, bool with_loss, const std::vector<int>& labels);
  double forward_all(const Matrix& x, const std::vector<int>& labels);
  void backprop_block(Block& b, const Matrix& input, const std::vector<int>& labels);
  void activity_estimate(Block& b, const Matrix& input, const std::vector<int>& labels, float weight, bool first);
  void weight_estimate(Block& b, const Matrix& input, const std::vector<int>& labels, float weight, bool first);
  void estimate_block(Block& b, const Matrix& input, const std::vector<int>& labels);
  const Matrix& block_input(int k, const Matrix& x) const { return k == 0 ? x : blocks_[k - 1].h; }

  OptimizerSettings optimizer_;
  Estimator estimator_;
  int groups_;
  int tangents_;
  bool skip_inactive_;
  bool report_cosine_;
  std::vector<Block> blocks_;
  std::vector<bool> active_;
  std::vector<Matrix> true_grads_;
  Matrix predict_h_, predict_z_, predict_logits_;
};

}  // namespace fwdlab
