#include "core/optimizer.h"

#include <cmath>

#include "core/simd128_elementwise.h"

namespace fwdlab {

OptimizerSettings OptimizerSettings::from_config(const Config& c) {
  OptimizerSettings s;
  s.kind = c.optimizer == "sgd" ? Kind::Sgd : Kind::Adam;
  s.lr = static_cast<float>(c.lr);
  s.momentum = static_cast<float>(c.momentum);
  s.beta1 = static_cast<float>(c.beta1);
  s.beta2 = static_cast<float>(c.beta2);
  s.eps = static_cast<float>(c.adam_eps);
  s.weight_decay = static_cast<float>(c.weight_decay);
  s.lr_decay = c.lr_decay;
  return s;
}

OptimizerSettings OptimizerSettings::with_lr(float new_lr) const {
  OptimizerSettings s = *this;
  s.lr = new_lr;
  return s;
}

void optimizer_step(const OptimizerSettings& s, Param& p) {
  const long t = ++p.steps;
  const float lr = s.lr_decay > 0 ? static_cast<float>(s.lr * std::exp(-s.lr_decay * (t - 1))) : s.lr;
#ifdef __wasm_simd128__
  // The same updates in one f32x4 pass (Eigen's would be three scalar passes in wasm).
  const int n = static_cast<int>(p.value.size());
  if (s.kind == OptimizerSettings::Kind::Sgd) {
    simd128::sgd_update(n, lr, s.momentum, s.weight_decay, p.value.data(), p.grad.data(), p.slot1.data());
  } else {
    const float bias1 = 1.0f - static_cast<float>(std::pow(s.beta1, static_cast<double>(t)));
    const float bias2 = 1.0f - static_cast<float>(std::pow(s.beta2, static_cast<double>(t)));
    simd128::adam_update(n, lr, s.beta1, s.beta2, bias1, bias2, s.eps, s.weight_decay, p.value.data(), p.grad.data(),
                         p.slot1.data(), p.slot2.data());
  }
  return;
#endif
  auto w = p.value.array();
  auto m = p.slot1.array();
  if (s.weight_decay > 0) p.grad.array() += s.weight_decay * w;
  const auto g = p.grad.array();
  if (s.kind == OptimizerSettings::Kind::Sgd) {
    if (s.momentum > 0) {
      m = s.momentum * m + g;
      w -= lr * m;
    } else {
      w -= lr * g;
    }
    return;
  }
  auto v = p.slot2.array();
  m = s.beta1 * m + (1.0f - s.beta1) * g;
  v = s.beta2 * v + (1.0f - s.beta2) * g.square();
  const float bias1 = 1.0f - static_cast<float>(std::pow(s.beta1, static_cast<double>(t)));
  const float bias2 = 1.0f - static_cast<float>(std::pow(s.beta2, static_cast<double>(t)));
  w -= (lr / bias1) * m / ((v / bias2).sqrt() + s.eps);
}

}  // namespace fwdlab
