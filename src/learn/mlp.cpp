#include "learn/mlp.h"

#include <string>

namespace fwdlab {

Mlp::Mlp(int input, const std::vector<int>& hidden, int outputs, Rng& rng) {
  int width = input;
  for (std::size_t l = 0; l <= hidden.size(); ++l) {
    const bool last = l == hidden.size();
    const int out = last ? outputs : hidden[l];
    layers.emplace_back("layer" + std::to_string(l + 1), width, out);
    // The output layer feeds a softmax, not a ReLU: gain 1/sqrt(2) gives variance 1/in.
    layers.back().init_he(rng, last ? 0.70710678f : 1.0f);
    width = out;
  }
}

void Mlp::forward(const Matrix& x, Trace& t) const {
  const std::size_t n = layers.size();
  t.inputs.resize(n);
  t.pre.resize(n);
  t.inputs[0] = x;
  for (std::size_t l = 0; l < n; ++l) {
    layers[l].forward(t.inputs[l], t.pre[l]);
    if (l + 1 < n) relu_forward(t.pre[l], t.inputs[l + 1]);
  }
}

void Mlp::logits(const Matrix& x, Matrix& out) const {
  Matrix h = x, z;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    layers[l].forward(h, z);
    if (l + 1 < layers.size()) relu_forward(z, h);
  }
  out = std::move(z);
}

void Mlp::backward(const Trace& t, const Matrix& dlogits) {
  // dL/dpre[l] flows down: dpre[l-1] = (dpre[l] W_l^T) * relu'(pre[l-1]).
  Matrix dpre = dlogits, dinput;
  for (std::size_t l = layers.size(); l-- > 0;) {
    layers[l].backward(t.inputs[l], dpre, l > 0 ? &dinput : nullptr);
    if (l > 0) relu_backward(t.pre[l - 1], dinput, dpre);
  }
}

std::vector<Param*> Mlp::parameters() {
  std::vector<Param*> params;
  for (auto& layer : layers) {
    params.push_back(&layer.weight);
    params.push_back(&layer.bias);
  }
  return params;
}

}  // namespace fwdlab
