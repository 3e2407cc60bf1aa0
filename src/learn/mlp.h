// A multilayer perceptron: Dense -> ReLU -> ... -> Dense (logits). Shared by backprop and the
// forward-gradient rules, which differ only in how they estimate the gradient.
#pragma once

#include <vector>

#include "core/layers.h"
#include "core/rng.h"

namespace fwdlab {

struct Mlp {
  std::vector<Dense> layers;  // hidden layers, then the output layer

  Mlp() = default;
  // input -> hidden[0] -> ... -> hidden[n-1] -> outputs, He-initialised from rng.
  Mlp(int input, const std::vector<int>& hidden, int outputs, Rng& rng);

  // What the forward pass keeps for the backward pass:
  //   inputs[l] = input of layer l (inputs[0] = x), pre[l] = inputs[l] W_l + b_l,
  //   inputs[l+1] = relu(pre[l]) for hidden layers; pre.back() are the logits.
  struct Trace {
    std::vector<Matrix> inputs;
    std::vector<Matrix> pre;
    const Matrix& logits() const { return pre.back(); }
  };

  void forward(const Matrix& x, Trace& trace) const;
  void logits(const Matrix& x, Matrix& out) const;

  // Backprop from dL/dlogits: fills every layer's weight.grad and bias.grad.
  void backward(const Trace& trace, const Matrix& dlogits);

  std::vector<Param*> parameters();
};

}  // namespace fwdlab
