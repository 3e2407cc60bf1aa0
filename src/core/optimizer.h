// Optimisers that update a Param from the gradient stored in it.
#pragma once

#include "core/config.h"
#include "core/layers.h"

namespace fwdlab {

struct OptimizerSettings {
  enum class Kind { Sgd, Adam } kind = Kind::Adam;
  float lr = 1e-3f;
  float momentum = 0.9f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 0.0f;
  double lr_decay = 0.0;  // lr_i = lr * exp(-lr_decay * i), i = the parameter's step count

  static OptimizerSettings from_config(const Config& config);
  // Same settings with another base learning rate (e.g. for a readout head).
  OptimizerSettings with_lr(float new_lr) const;
};

// One update of `p` from p.grad:
//   g = grad + weight_decay * w
//   sgd:  m = momentum * m + g;                  w -= lr_i * m
//   adam: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
//         w -= lr_i * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
void optimizer_step(const OptimizerSettings& settings, Param& p);

}  // namespace fwdlab
