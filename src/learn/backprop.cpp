#include "learn/backprop.h"

namespace fwdlab {

BackpropTrainer::BackpropTrainer(const Config& config, int input_features)
    : optimizer_(OptimizerSettings::from_config(config)) {
  Rng rng(config.seed);
  net_ = Mlp(input_features, config.hidden, kNumClasses, rng);
}

StepMetrics BackpropTrainer::train_step(const Matrix& x, const std::vector<int>& labels) {
  net_.forward(x, trace_);
  StepMetrics m;
  m.loss = softmax_cross_entropy(trace_.logits(), labels, probs_);
  softmax_cross_entropy_backward(probs_, labels, dlogits_);
  net_.backward(trace_, dlogits_);
  for (Param* p : net_.parameters()) optimizer_step(optimizer_, *p);
  return m;
}

void BackpropTrainer::predict_scores(const Matrix& x, Matrix& scores) { net_.logits(x, scores); }

}  // namespace fwdlab
