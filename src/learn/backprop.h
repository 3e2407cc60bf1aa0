// Backpropagation (rule "bp"): the baseline every other rule is measured against.
// An MLP trained end to end on softmax cross-entropy with the exact gradient.
#pragma once

#include "core/optimizer.h"
#include "learn/mlp.h"
#include "learn/trainer.h"

namespace fwdlab {

class BackpropTrainer : public Trainer {
 public:
  BackpropTrainer(const Config& config, int input_features);

  StepMetrics train_step(const Matrix& x, const std::vector<int>& labels) override;
  void predict_scores(const Matrix& x, Matrix& scores) override;
  std::vector<Param*> parameters() override { return net_.parameters(); }

  Mlp& network() { return net_; }

 private:
  OptimizerSettings optimizer_;
  Mlp net_;
  Mlp::Trace trace_;
  Matrix probs_, dlogits_;
};

}  // namespace fwdlab
