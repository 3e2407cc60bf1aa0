// An image classification data set held as bytes, and the minibatches drawn from it.
//
// Pixels stay uint8 (47 MB for MNIST's training set rather than 188 MB of floats, which matters in
// a browser tab); a batch converts its rows to float in [0, 1] as it is assembled.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/idx.h"
#include "core/rng.h"
#include "core/state_stream.h"
#include "core/tensor.h"

namespace fwdlab {

constexpr int kNumClasses = 10;

struct Dataset {
  std::string name;
  int count = 0;
  int rows = 0;
  int cols = 0;
  std::vector<std::uint8_t> pixels;  // count x (rows * cols)
  std::vector<std::uint8_t> labels;  // count

  int features() const { return rows * cols; }
  const std::uint8_t* image(int i) const { return pixels.data() + static_cast<std::size_t>(i) * features(); }

  // Pairs images with labels; throws DataError when their counts differ.
  static Dataset from_idx(IdxImages images, IdxLabels labels, const std::string& name);
  // The first `n` examples (all of them when n >= count).
  Dataset head(int n) const;
};

struct DataSplit {
  Dataset train;
  Dataset test;
};

// Every model here reads 28x28 images; throws DataError naming `source` for any other size.
void require_28x28(const IdxImages& images, const std::string& source);

// Data set names the project knows: "mnist" and "fashion" (Fashion-MNIST).
const std::vector<std::string>& known_datasets();

// Reads data_dir/<name>/{train,t10k}-{images-idx3,labels-idx1}-ubyte as written by
// scripts/prepare-data. Throws DataError (bad or missing files) or std::invalid_argument (name).
DataSplit load_dataset(const std::string& name, const std::string& data_dir);

// Rows `indices[0..n)` of `data` into x (n x features, scaled to [0, 1]) and their labels.
void gather_batch(const Dataset& data, const int* indices, int n, Matrix& x, std::vector<int>& labels);

// Walks a data set in minibatches, reshuffling at the start of every epoch. The last, partial
// batch of an epoch is dropped so every step sees exactly `batch_size` examples.
class BatchSampler {
 public:
  BatchSampler(int count, int batch_size, Rng rng);
  // Indices of the next batch; advances the epoch counter when it wraps around.
  const int* next();
  int epoch() const { return epoch_; }
  int batches_per_epoch() const { return count_ / batch_size_; }
  int position() const { return position_; }

  // Order, position and stream, for checkpoints. read_state checks the order is a permutation
  // of 0..count-1, so a corrupt checkpoint cannot index outside the data.
  void write_state(StateWriter& out) const;
  void read_state(StateReader& in);

 private:
  int count_;
  int batch_size_;
  Rng rng_;
  std::vector<int> order_;
  int position_ = 0;
  int epoch_ = 0;
};

}  // namespace fwdlab
