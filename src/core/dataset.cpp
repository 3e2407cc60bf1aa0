#include "core/dataset.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace fwdlab {

Dataset Dataset::from_idx(IdxImages images, IdxLabels labels, const std::string& name) {
  if (images.count != labels.count) {
    throw DataError(name + ": image/label count mismatch: " + std::to_string(images.count) +
                    " images but " + std::to_string(labels.count) + " labels");
  }
  Dataset data;
  data.name = name;
  data.count = images.count;
  data.rows = images.rows;
  data.cols = images.cols;
  data.pixels = std::move(images.pixels);
  data.labels = std::move(labels.labels);
  return data;
}

Dataset Dataset::head(int n) const {
  Dataset out;
  out.name = name;
  out.rows = rows;
  out.cols = cols;
  out.count = std::min(n, count);
  out.pixels.assign(pixels.begin(), pixels.begin() + static_cast<std::ptrdiff_t>(out.count) * features());
  out.labels.assign(labels.begin(), labels.begin() + out.count);
  return out;
}

void require_28x28(const IdxImages& images, const std::string& source) {
  if (images.rows != 28 || images.cols != 28) {
    throw DataError(source + ": expected 28x28 images, found " + std::to_string(images.rows) + "x" +
                    std::to_string(images.cols));
  }
}

const std::vector<std::string>& known_datasets() {
  static const std::vector<std::string> names = {"mnist", "fashion"};
  return names;
}

DataSplit load_dataset(const std::string& name, const std::string& data_dir) {
  const auto& names = known_datasets();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    throw std::invalid_argument("unknown dataset '" + name + "'; expected mnist or fashion");
  }
  const std::string dir = data_dir + "/" + name + "/";
  auto load = [&](const std::string& prefix, const std::string& split) {
    const std::string image_path = dir + prefix + "-images-idx3-ubyte";
    const std::string label_path = dir + prefix + "-labels-idx1-ubyte";
    const auto image_bytes = read_file_bytes(image_path);
    const auto label_bytes = read_file_bytes(label_path);
    auto images = parse_idx_images(image_bytes.data(), image_bytes.size(), image_path);
    auto labels = parse_idx_labels(label_bytes.data(), label_bytes.size(), label_path);
    require_28x28(images, image_path);
    return Dataset::from_idx(std::move(images), std::move(labels), name + " " + split);
  };
  return {load("train", "train"), load("t10k", "test")};
}

void gather_batch(const Dataset& data, const int* indices, int n, Matrix& x, std::vector<int>& labels) {
  const int d = data.features();
  x.resize(n, d);
  labels.resize(n);
  for (int r = 0; r < n; ++r) {
    const std::uint8_t* src = data.image(indices[r]);
    float* dst = x.row(r).data();
    for (int j = 0; j < d; ++j) dst[j] = static_cast<float>(src[j]) * (1.0f / 255.0f);
    labels[r] = data.labels[indices[r]];
  }
}

BatchSampler::BatchSampler(int count, int batch_size, Rng rng)
    : count_(count), batch_size_(batch_size), rng_(rng), order_(count) {
  if (batch_size <= 0 || batch_size > count) {
    throw std::invalid_argument("batch size " + std::to_string(batch_size) + " must be in 1.." +
                                std::to_string(count));
  }
  std::iota(order_.begin(), order_.end(), 0);
  rng_.shuffle(order_);
}

const int* BatchSampler::next() {
  if (position_ + batch_size_ > count_) {
    position_ = 0;
    ++epoch_;
    rng_.shuffle(order_);
  }
  const int* batch = order_.data() + position_;
  position_ += batch_size_;
  return batch;
}

void BatchSampler::write_state(StateWriter& out) const {
  rng_.write_state(out);
  out.ints(order_);
  out.i64(position_);
  out.i64(epoch_);
}

void BatchSampler::read_state(StateReader& in) {
  Rng rng = rng_;
  rng.read_state(in);
  std::vector<int> order;
  in.ints("data order", order, static_cast<std::size_t>(count_));
  std::vector<bool> seen(static_cast<std::size_t>(count_), false);
  for (int i : order) {
    if (i < 0 || i >= count_ || seen[static_cast<std::size_t>(i)]) in.fail("data order is not a permutation");
    seen[static_cast<std::size_t>(i)] = true;
  }
  const std::int64_t position = in.i64("data position");
  const std::int64_t epoch = in.i64("epoch");
  if (position < 0 || position > count_ || epoch < 0 || epoch > (1 << 30)) in.fail("data position out of range");
  rng_ = rng;
  order_ = std::move(order);
  position_ = static_cast<int>(position);
  epoch_ = static_cast<int>(epoch);
}

}  // namespace fwdlab
