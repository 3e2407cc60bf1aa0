// Forward-Forward (Hinton 2022, arXiv 2212.13345): rules "ff" (supervised) and "ff-unsup".
//
// Every hidden layer l has its own objective and its own optimiser state; no gradient crosses a
// layer boundary. With h = relu(x_l W_l + b_l) the layer's goodness is
//   G = sum_j h_j^2   (or the mean, config.ff_goodness)
// and for B pairs of positive and negative examples its loss is
//   L_l = 1/B sum_i softplus(theta - G_pos,i) + softplus(G_neg,i - theta)
// (the logistic loss of p(positive) = sigmoid(G - theta)). The input of layer l + 1 is h
// normalised per example (length or RMS, config.ff_norm), so it cannot read layer l's goodness
// off its input; the raw input is normalised the same way before layer 1.
//
// Supervised (ff): positive = the image with its true label one-hot in the first 10 pixels (at
// the image's maximum value), negative = the same image with a wrong label: uniformly random, or
// "hard", drawn in proportion to the model's current softmax probabilities of the wrong labels
// (the readout on the neutral-label pass that each step makes anyway, as in Hinton's own code).
// Prediction (a): the label whose embedding gives the most goodness, summed over the goodness
// layers (all hidden layers but the first; the only one for a single hidden layer). Prediction
// (b): one pass with the neutral label (0.1 in each label pixel) and a linear softmax readout on
// the normalised activities of the same layers; its gradient stays out of the FF layers.
//
// Unsupervised (ff-unsup): negatives are hybrid images (hybrid_negatives.h) and a linear softmax
// readout on the normalised activities of the last three hidden layers reads the label out.
//
// Optional peer normalisation (config.ff_peer_norm = lambda, as in loeweX/Forward-Forward): a
// running mean m_j of each unit's activity on positive data (momentum 0.9) and the extra loss
//   lambda * mean_j (mean(m) - m_j)^2
// which pushes every unit towards the layer's average activity (no dead or dominant units).
#pragma once

#include <vector>

#include "core/optimizer.h"
#include "learn/trainer.h"

namespace fwdlab {

class ForwardForwardTrainer : public Trainer {
 public:
  ForwardForwardTrainer(const Config& config, int input_features);

  StepMetrics train_step(const Matrix& x, const std::vector<int>& labels) override;
  // ff: summed goodness per label (B x 10), so argmax is prediction (a). ff-unsup: readout logits.
  void predict_scores(const Matrix& x, Matrix& scores) override;
  std::vector<Param*> parameters() override;
  void begin_epoch(int epoch) override;
  void write_extra_state(StateWriter& out) const override;
  void read_extra_state(StateReader& in) override;
  // ff: accuracy = prediction (a), figures accuracy_goodness and accuracy_softmax.
  // ff-unsup: accuracy = the softmax readout, figure accuracy_softmax.
  Evaluation evaluate(const Dataset& data, int limit = 0) override;

  // --- explaining predictions (ff only) ---------------------------------------------------------
  // goodness[l] (B x 10): goodness of hidden layer l on image i with label c embedded.
  void label_goodness(const Matrix& x, std::vector<Matrix>& goodness);
  // Logits (B x 10) of the softmax readout: prediction (b) for ff, the only one for ff-unsup.
  void readout_scores(const Matrix& x, Matrix& logits);
  // Hidden layers (0-based) whose goodness prediction (a) sums, and whose normalised activities
  // the readout reads.
  const std::vector<int>& goodness_layers() const { return goodness_layers_; }
  const std::vector<int>& readout_layers() const { return readout_layers_; }
  bool supervised() const { return supervised_; }

  // --- building blocks (public for the tests) ---------------------------------------------------
  // x with the label one-hot written into its first 10 pixels at the row's maximum value.
  static void embed_labels(const Matrix& x, const std::vector<int>& labels, Matrix& out);
  // x with 0.1 in each of its first 10 pixels.
  static void embed_neutral(const Matrix& x, Matrix& out);
  // Wrong labels for negatives: uniformly random among the 9 wrong ones, or (hard) drawn from
  // softmax(scores) over the wrong labels. Never equal to labels[i]. The trainer's hard
  // negatives use the readout's logits on the neutral-label pass it makes anyway.
  static void random_wrong_labels(Rng& rng, const std::vector<int>& labels, std::vector<int>& wrong);
  static void hard_wrong_labels(Rng& rng, const std::vector<int>& labels, const Matrix& scores,
                                std::vector<int>& wrong);

  // normalized[0] = norm(x), activities[l] = relu(normalized[l] W_l + b_l),
  // normalized[l + 1] = norm(activities[l]).
  struct Trace {
    std::vector<Matrix> normalized;
    std::vector<Matrix> activities;
  };
  void forward(const Matrix& x, Trace& trace) const;

  // The objective of hidden layer l (FF loss plus peer normalisation) on `input` (the layer's
  // normalised input; rows [0, pairs) positive, [pairs, 2 pairs) negative). Writes dL/dW and
  // dL/db into the layer's params' grad; changes no state.
  double layer_objective(int l, const Matrix& input, int pairs);

  std::vector<Dense>& layers() { return layers_; }
  Dense& readout() { return readout_; }

 private:
  struct LayerReport {
    double goodness_pos = 0, goodness_neg = 0, loss = 0, separation = 0, peer_loss = 0;
  };
  // Loss and gradient of layer l given its input and activities (first 2 * pairs rows used).
  LayerReport fit_layer(int l, const Matrix& input, const Matrix& activities, int pairs);
  void goodness_rows(const Eigen::Ref<const Matrix>& activities, ColumnVector& goodness) const;
  // Readout features: normalised activities of the readout layers, rows [first, first + count).
  void gather_readout_features(const Trace& trace, int first, int count);
  // Input rows of the readout's forward pass: neutral label (ff) or the raw image (ff-unsup).
  void readout_input(const Matrix& x, Matrix& out) const;
  double train_readout(const Trace& trace, int first, const std::vector<int>& labels);

  bool supervised_;
  NormKind norm_;
  bool mean_goodness_;
  float theta_;
  bool hard_negatives_;
  bool greedy_;
  int epochs_;
  float peer_weight_;
  int image_height_, image_width_;
  OptimizerSettings layer_optimizer_, readout_optimizer_;
  Rng rng_;

  std::vector<Dense> layers_;
  Dense readout_;
  std::vector<int> goodness_layers_, readout_layers_;
  std::vector<Vector> running_means_;  // peer normalisation: mean activity per unit
  int active_layer_ = -1;              // greedy schedule: the only layer that learns (-1 = all)

  // Scratch, kept between steps so a step allocates nothing once the shapes are known.
  Trace trace_, neutral_trace_, eval_trace_;
  Matrix stacked_, embedded_, negatives_, masks_, mask_scratch_;
  Matrix features_, logits_, probs_, dlogits_, dz_, scores_;
  ColumnVector goodness_, dgoodness_;
  Vector candidate_means_;
  std::vector<int> wrong_labels_;
  std::vector<Matrix> label_goodness_;
};

}  // namespace fwdlab
