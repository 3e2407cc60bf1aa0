#include "core/state_stream.h"

#include <cstring>

namespace fwdlab {
namespace {

std::uint64_t load_u64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= std::uint64_t{p[i]} << (8 * i);
  return v;
}

}  // namespace

void StateWriter::u64(std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void StateWriter::f64(double v) {
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  u64(bits);
}

void StateWriter::string(const std::string& s) {
  u64(s.size());
  out_.insert(out_.end(), s.begin(), s.end());
}

void StateWriter::floats(const float* values, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, &values[i], sizeof bits);
    for (int b = 0; b < 4; ++b) out_.push_back(static_cast<std::uint8_t>(bits >> (8 * b)));
  }
}

void StateWriter::matrix(const Matrix& m) {
  u64(static_cast<std::uint64_t>(m.rows()));
  u64(static_cast<std::uint64_t>(m.cols()));
  floats(m.data(), static_cast<std::size_t>(m.size()));
}

void StateWriter::matrix(const MatrixD& m) {
  u64(static_cast<std::uint64_t>(m.rows()));
  u64(static_cast<std::uint64_t>(m.cols()));
  for (Eigen::Index i = 0; i < m.size(); ++i) f64(m.data()[i]);
}

void StateWriter::ints(const std::vector<int>& values) {
  u64(values.size());
  for (int v : values) u64(static_cast<std::uint64_t>(static_cast<std::int64_t>(v)));
}

StateReader::StateReader(const std::uint8_t* data, std::size_t size, std::string source)
    : data_(data), size_(size), source_(std::move(source)) {}

void StateReader::fail(const std::string& message) const {
  throw CheckpointError(source_ + ": " + message + " (at byte " + std::to_string(pos_) + ")");
}

const std::uint8_t* StateReader::take(std::size_t n, const char* what) {
  if (size_ - pos_ < n) fail(std::string("truncated checkpoint while reading ") + what);
  const std::uint8_t* p = data_ + pos_;
  pos_ += n;
  return p;
}

bool StateReader::take_tag(const std::string& tag) {
  if (size_ - pos_ < 8 + tag.size()) return false;
  if (load_u64(data_ + pos_) != tag.size() || std::memcmp(data_ + pos_ + 8, tag.data(), tag.size()) != 0) return false;
  pos_ += 8 + tag.size();
  return true;
}

std::uint64_t StateReader::u64(const char* what) {
  return load_u64(take(8, what));
}

std::uint32_t StateReader::u32(const char* what) {
  const std::uint64_t v = u64(what);
  if (v > 0xFFFFFFFFull) fail(std::string(what) + " is out of range");
  return static_cast<std::uint32_t>(v);
}

double StateReader::f64(const char* what) {
  const std::uint64_t bits = u64(what);
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

std::string StateReader::string(const char* what, std::size_t max_length) {
  const std::uint64_t n = u64(what);
  if (n > max_length) fail(std::string(what) + " is " + std::to_string(n) + " bytes long, at most " +
                           std::to_string(max_length) + " expected");
  const std::uint8_t* p = take(static_cast<std::size_t>(n), what);
  return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

void StateReader::floats(const char* what, float* values, std::size_t count) {
  if (count > (size_ - pos_) / 4) fail(std::string("truncated checkpoint while reading ") + what);
  const std::uint8_t* p = take(count * 4, what);
  for (std::size_t i = 0; i < count; ++i) {
    std::uint32_t bits = 0;
    for (int b = 0; b < 4; ++b) bits |= std::uint32_t{p[4 * i + b]} << (8 * b);
    std::memcpy(&values[i], &bits, sizeof bits);
  }
}

void StateReader::expect_shape(const char* what, Eigen::Index rows, Eigen::Index cols) {
  const std::uint64_t stored_rows = u64(what);
  const std::uint64_t stored_cols = u64(what);
  if (stored_rows != static_cast<std::uint64_t>(rows) || stored_cols != static_cast<std::uint64_t>(cols)) {
    fail(std::string(what) + " is " + std::to_string(stored_rows) + " x " + std::to_string(stored_cols) +
         ", expected " + std::to_string(rows) + " x " + std::to_string(cols));
  }
}

void StateReader::matrix(const char* what, Matrix& m) {
  expect_shape(what, m.rows(), m.cols());
  floats(what, m.data(), static_cast<std::size_t>(m.size()));
}

void StateReader::matrix(const char* what, MatrixD& m) {
  expect_shape(what, m.rows(), m.cols());
  if (static_cast<std::size_t>(m.size()) > (size_ - pos_) / 8) fail(std::string("truncated checkpoint while reading ") + what);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = f64(what);
}

void StateReader::optional_matrix(const char* what, Matrix& m, Eigen::Index rows, Eigen::Index cols) {
  const std::uint64_t stored_rows = u64(what);
  const std::uint64_t stored_cols = u64(what);
  if (stored_rows == 0 && stored_cols == 0) {
    m.resize(0, 0);
    return;
  }
  if (stored_rows != static_cast<std::uint64_t>(rows) || stored_cols != static_cast<std::uint64_t>(cols)) {
    fail(std::string(what) + " is " + std::to_string(stored_rows) + " x " + std::to_string(stored_cols) +
         ", expected " + std::to_string(rows) + " x " + std::to_string(cols) + " or empty");
  }
  m.resize(rows, cols);
  floats(what, m.data(), static_cast<std::size_t>(m.size()));
}

void StateReader::ints(const char* what, std::vector<int>& values, std::size_t expected_count) {
  const std::uint64_t n = u64(what);
  if (n != expected_count) {
    fail(std::string(what) + " has " + std::to_string(n) + " entries, expected " + std::to_string(expected_count));
  }
  values.resize(expected_count);
  for (int& v : values) v = static_cast<int>(static_cast<std::int64_t>(u64(what)));
}

}  // namespace fwdlab
