// The IDX reader accepts the real files and rejects each malformed case with a clear message.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "core/dataset.h"
#include "core/idx.h"
#include "test_support.h"

using namespace fwdlab;

namespace {

void put_be32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

std::vector<std::uint8_t> images_file(std::uint32_t count, std::uint32_t rows, std::uint32_t cols) {
  std::vector<std::uint8_t> f;
  put_be32(f, 0x00000803);
  put_be32(f, count);
  put_be32(f, rows);
  put_be32(f, cols);
  for (std::uint32_t i = 0; i < count * rows * cols; ++i) f.push_back(static_cast<std::uint8_t>(i));
  return f;
}

std::vector<std::uint8_t> labels_file(std::uint32_t count) {
  std::vector<std::uint8_t> f;
  put_be32(f, 0x00000801);
  put_be32(f, count);
  for (std::uint32_t i = 0; i < count; ++i) f.push_back(static_cast<std::uint8_t>(i % 10));
  return f;
}

std::string images_error(const std::vector<std::uint8_t>& f) {
  try {
    parse_idx_images(f.data(), f.size(), "test-images");
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

std::string labels_error(const std::vector<std::uint8_t>& f) {
  try {
    parse_idx_labels(f.data(), f.size(), "test-labels");
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the real MNIST files are read in full", "[idx]") {
  const auto& data = test::mnist();
  CHECK(data.train.count == 60000);
  CHECK(data.test.count == 10000);
  CHECK(data.train.rows == 28);
  CHECK(data.train.cols == 28);
  CHECK(data.train.pixels.size() == 60000u * 784u);
  // Known statistics of MNIST: the first training label is 5, the first test label is 7,
  // the training set holds 5923 zeros, and the mean pixel is about 33.3 / 255.
  CHECK(data.train.labels[0] == 5);
  CHECK(data.test.labels[0] == 7);
  int zeros = 0;
  for (auto y : data.train.labels) zeros += y == 0;
  CHECK(zeros == 5923);
  double sum = 0;
  for (auto p : data.train.pixels) sum += p;
  CHECK(sum / data.train.pixels.size() == Approx(33.318).epsilon(1e-3));
}

TEST_CASE("a well-formed small file parses", "[idx]") {
  const auto f = images_file(3, 2, 4);
  const auto images = parse_idx_images(f.data(), f.size(), "small");
  CHECK(images.count == 3);
  CHECK(images.rows == 2);
  CHECK(images.cols == 4);
  CHECK(images.pixels.size() == 24);
  CHECK(images.pixels[5] == 5);
  const auto l = labels_file(12);
  CHECK(parse_idx_labels(l.data(), l.size(), "small").labels[11] == 1);
}

TEST_CASE("malformed IDX files are rejected with a message naming the problem", "[idx]") {
  SECTION("empty and truncated header") {
    CHECK_THAT(images_error({}), Catch::Contains("test-images: truncated images file: expected at least a 4-byte header, found 0 bytes"));
    auto f = images_file(1, 2, 2);
    f.resize(10);
    CHECK_THAT(images_error(f), Catch::Contains("truncated images header: expected 16 bytes, found 10"));
  }
  SECTION("truncated data") {
    auto f = images_file(3, 2, 4);
    f.pop_back();
    CHECK_THAT(images_error(f), Catch::Contains("test-images: truncated images file: the header promises 40 bytes, found 39"));
  }
  SECTION("trailing bytes") {
    auto f = images_file(3, 2, 4);
    f.push_back(0);
    CHECK_THAT(images_error(f), Catch::Contains("oversized images file: the header promises 40 bytes, found 41"));
  }
  SECTION("wrong magic") {
    auto f = images_file(1, 2, 2);
    f[2] = 0x0D;  // float data
    CHECK_THAT(images_error(f), Catch::Contains("wrong magic number for an IDX images file: expected 0x00000803, found 0x00000d03"));
    auto g = images_file(1, 2, 2);
    g[0] = 0x1f;  // e.g. a gzip file handed over undecompressed
    g[1] = 0x8b;
    CHECK_THAT(images_error(g), Catch::Contains("wrong magic number"));
  }
  SECTION("wrong dimension count") {
    const auto labels = labels_file(4);
    CHECK_THAT(images_error(labels), Catch::Contains("wrong dimension count for images: expected 3, found 1"));
    const auto images = images_file(1, 2, 2);
    CHECK_THAT(labels_error(images), Catch::Contains("wrong dimension count for labels: expected 1, found 3"));
  }
  SECTION("zero-sized dimension") {
    const auto f = images_file(0, 28, 28);
    CHECK_THAT(images_error(f), Catch::Contains("dimension 0 of the images is zero"));
    auto g = images_file(1, 2, 2);
    g[11] = 0;  // rows = 0
    CHECK_THAT(images_error(g), Catch::Contains("dimension 1 of the images is zero"));
  }
  SECTION("a size that would overflow") {
    std::vector<std::uint8_t> f;
    put_be32(f, 0x00000803);
    put_be32(f, 0xFFFFFFFF);
    put_be32(f, 0xFFFFFFFF);
    put_be32(f, 0xFFFFFFFF);
    CHECK_THAT(images_error(f), Catch::Contains("the size would overflow"));
  }
  SECTION("a label above 9") {
    auto f = labels_file(5);
    f[8 + 3] = 10;
    CHECK_THAT(labels_error(f), Catch::Contains("test-labels: label 3 is 10; expected a class in 0..9"));
  }
}

TEST_CASE("image and label counts must agree", "[idx]") {
  const auto fi = images_file(3, 2, 2);
  const auto fl = labels_file(4);
  auto images = parse_idx_images(fi.data(), fi.size(), "i");
  auto labels = parse_idx_labels(fl.data(), fl.size(), "l");
  CHECK_THROWS_WITH(Dataset::from_idx(images, labels, "tiny"),
                    Catch::Contains("tiny: image/label count mismatch: 3 images but 4 labels"));
}

TEST_CASE("a missing data file names its path", "[idx]") {
  CHECK_THROWS_WITH(load_dataset("mnist", "/nonexistent-dir"),
                    Catch::Contains("/nonexistent-dir/mnist/train-images-idx3-ubyte: cannot open the file"));
  CHECK_THROWS_WITH(load_dataset("nope", "/tmp"), Catch::Contains("unknown dataset 'nope'"));
}

TEST_CASE("Fashion-MNIST goes through the same reader", "[idx]") {
  const auto fashion = load_dataset("fashion", FWDLAB_DATA_DIR);
  CHECK(fashion.train.count == 60000);
  CHECK(fashion.test.count == 10000);
  int per_class[10] = {};
  for (auto y : fashion.test.labels) per_class[y]++;
  for (int k = 0; k < 10; ++k) CHECK(per_class[k] == 1000);  // Fashion-MNIST's test set is balanced
}

TEST_CASE("batches are shuffled without repeats within an epoch", "[idx]") {
  BatchSampler sampler(100, 10, Rng(3));
  std::vector<int> seen(100, 0);
  for (int b = 0; b < 10; ++b) {
    const int* idx = sampler.next();
    for (int i = 0; i < 10; ++i) seen[idx[i]]++;
  }
  for (int count : seen) CHECK(count == 1);
  CHECK(sampler.epoch() == 0);
  sampler.next();
  CHECK(sampler.epoch() == 1);
  CHECK_THROWS_WITH(BatchSampler(10, 11, Rng(1)), Catch::Contains("batch size 11 must be in 1..10"));
}

TEST_CASE("a count of 2^31 items is refused from the header alone", "[idx]") {
  // 2^31 labels would not fit Dataset::count (an int); the header check comes before any read.
  std::vector<std::uint8_t> f;
  put_be32(f, 0x00000801);
  put_be32(f, 0x80000000u);
  CHECK_THAT(labels_error(f), Catch::Contains("the labels header claims more than 2147483647 bytes of data"));
  std::vector<std::uint8_t> g;
  put_be32(g, 0x00000803);
  put_be32(g, 0x00800000u);  // 2^23 images of 16x16 = 2^31 bytes
  put_be32(g, 16);
  put_be32(g, 16);
  CHECK_THAT(images_error(g), Catch::Contains("the size would overflow"));
}

TEST_CASE("images of another size than 28x28 are refused by name", "[idx]") {
  const auto f = images_file(2, 32, 32);
  const auto images = parse_idx_images(f.data(), f.size(), "cifar-like");
  CHECK_THROWS_WITH(require_28x28(images, "cifar-like"), Catch::Contains("cifar-like: expected 28x28 images, found 32x32"));
}

TEST_CASE("a directory where a data file should be is named, not read", "[idx]") {
  // An ifstream opens a directory and reports a size near 2^63; the reader must not try to
  // allocate that.
  CHECK_THROWS_WITH(read_file_bytes("/tmp"), Catch::Contains("/tmp: is a directory, not a data file"));
}
