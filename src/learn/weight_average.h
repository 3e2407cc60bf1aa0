// A moving average of a trainer's parameters, evaluated in their place ("Polyak averaging").
//
// Forward-gradient estimates are very noisy (FG-W's variance grows with the number of weights),
// so the last iterate of a run sits some way from the minimum its steps hover around. Averaging
// the iterates cancels much of that noise without slowing the descent the way a smaller learning
// rate does. Training itself never reads the average: a run gives the same weights with it or
// without it.
//
// Rule: with horizon H steps, after step n (1-based) and weights w_n,
//   mean_n = mean_{n-1} + (w_n - mean_{n-1}) / min(n, H)
// i.e. the plain mean of all iterates for the first H steps, then an exponential moving average
// with decay 1 - 1/H (a step k steps ago weighs (1 - 1/H)^k: the last H steps carry 63%).
// The mean is kept in double: with H in the thousands each update moves it by about 1e-4 of a
// weight's fluctuation, which float would round away.
#pragma once

#include <vector>

#include "core/layers.h"
#include "core/state_stream.h"
#include "core/tensor.h"

namespace fwdlab {

class WeightAverage {
 public:
  explicit WeightAverage(long horizon_steps);

  // Folds the current values of `params` in (call after every step).
  void update(const std::vector<Param*>& params);

  long count() const { return count_; }

  // Puts the averaged values (rounded to float) in place of the live ones, which restore() puts
  // back. Requires count() > 0 and the same parameter list as update().
  void install(const std::vector<Param*>& params);
  void restore(const std::vector<Param*>& params);

  // Checkpoint state: the count and, when it is > 0, the averaged tensors.
  void write_state(StateWriter& out) const;
  // Reads what write_state wrote, checking shapes against `params`.
  void read_state(StateReader& in, const std::vector<Param*>& params);

 private:
  long horizon_;
  long count_ = 0;
  std::vector<MatrixD> mean_;
  std::vector<Matrix> live_;  // the live values while the average is installed
  bool installed_ = false;
};

// Evaluates with the averaged weights in place of the live ones and puts the live ones back,
// also when the evaluation throws.
template <typename Fn>
auto with_averaged_weights(WeightAverage& average, const std::vector<Param*>& params, Fn&& fn) {
  struct Restore {
    WeightAverage& a;
    const std::vector<Param*>& p;
    ~Restore() { a.restore(p); }
  };
  average.install(params);
  Restore restore{average, params};
  return fn();
}

}  // namespace fwdlab
