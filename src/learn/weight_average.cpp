#include "learn/weight_average.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace fwdlab {

WeightAverage::WeightAverage(long horizon_steps) : horizon_(std::max(1L, horizon_steps)) {}

void WeightAverage::update(const std::vector<Param*>& params) {
  if (count_ == 0) {
    mean_.clear();
    for (const Param* p : params) mean_.push_back(p->value.cast<double>());
    count_ = 1;
    return;
  }
  if (mean_.size() != params.size()) throw std::logic_error("WeightAverage: the parameter list changed");
  ++count_;
  const double rate = 1.0 / static_cast<double>(std::min(count_, horizon_));
  for (std::size_t i = 0; i < params.size(); ++i) mean_[i] += rate * (params[i]->value.cast<double>() - mean_[i]);
}

void WeightAverage::install(const std::vector<Param*>& params) {
  if (count_ == 0 || mean_.size() != params.size()) throw std::logic_error("WeightAverage: nothing averaged yet");
  if (installed_) throw std::logic_error("WeightAverage: already installed");
  live_.resize(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    live_[i] = mean_[i].cast<float>();
    params[i]->value.swap(live_[i]);
  }
  installed_ = true;
}

void WeightAverage::restore(const std::vector<Param*>& params) {
  if (!installed_) return;
  for (std::size_t i = 0; i < params.size(); ++i) params[i]->value.swap(live_[i]);
  installed_ = false;
}

void WeightAverage::write_state(StateWriter& out) const {
  out.i64(count_);
  if (count_ == 0) return;
  out.u64(mean_.size());
  for (const MatrixD& m : mean_) out.matrix(m);
}

void WeightAverage::read_state(StateReader& in, const std::vector<Param*>& params) {
  const std::int64_t count = in.i64("averaged step count");
  if (count < 0) in.fail("averaged step count out of range");
  std::vector<MatrixD> mean;
  if (count > 0) {
    if (in.u64("averaged tensor count") != params.size()) in.fail("the weight average has another number of tensors");
    for (const Param* p : params) {
      mean.emplace_back(p->value.rows(), p->value.cols());
      in.matrix(("average of " + p->name).c_str(), mean.back());
    }
  }
  count_ = static_cast<long>(count);
  mean_ = std::move(mean);
}

}  // namespace fwdlab
