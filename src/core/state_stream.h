// Binary streams for training checkpoints: a whole run's state (weights, optimiser slots, random
// streams, data order, counters), so a long run killed midway resumes exactly where it stopped.
//
// Little-endian, no padding. The reader checks every length against what the caller expects
// before it allocates or writes anything, so a corrupt or hostile file only ever raises
// CheckpointError.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace fwdlab {

class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class StateWriter {
 public:
  void u64(std::uint64_t v);
  void u32(std::uint32_t v) { u64(v); }
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void f64(double v);
  void string(const std::string& s);
  // Shape then values (float32; MatrixD: float64).
  void matrix(const Matrix& m);
  void matrix(const MatrixD& m);
  void floats(const float* values, std::size_t count);
  void ints(const std::vector<int>& values);

  const std::vector<std::uint8_t>& bytes() const { return out_; }

 private:
  std::vector<std::uint8_t> out_;
};

class StateReader {
 public:
  // `source` names the data in error messages (e.g. the file path).
  StateReader(const std::uint8_t* data, std::size_t size, std::string source);

  std::uint64_t u64(const char* what);
  std::uint32_t u32(const char* what);
  std::int64_t i64(const char* what) { return static_cast<std::int64_t>(u64(what)); }
  double f64(const char* what);
  std::string string(const char* what, std::size_t max_length);
  // Reads a matrix into `m`; the stored shape must equal `m`'s current shape.
  void matrix(const char* what, Matrix& m);
  void matrix(const char* what, MatrixD& m);
  // Reads a matrix that is either rows x cols or empty (an optimiser slot not allocated yet);
  // `m` takes the stored shape.
  void optional_matrix(const char* what, Matrix& m, Eigen::Index rows, Eigen::Index cols);
  void floats(const char* what, float* values, std::size_t count);
  // Reads exactly `expected_count` ints.
  void ints(const char* what, std::vector<int>& values, std::size_t expected_count);

  // Optional sections: when the next item is the string `tag` (as StateWriter::string wrote it),
  // reads it and returns true; otherwise reads nothing and returns false.
  bool take_tag(const std::string& tag);

  bool at_end() const { return pos_ == size_; }
  [[noreturn]] void fail(const std::string& message) const;

 private:
  const std::uint8_t* take(std::size_t n, const char* what);
  // Reads a stored shape and fails unless it is rows x cols.
  void expect_shape(const char* what, Eigen::Index rows, Eigen::Index cols);

  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
  std::string source_;
};

}  // namespace fwdlab
