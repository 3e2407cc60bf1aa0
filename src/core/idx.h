// Reader for the IDX files of MNIST and Fashion-MNIST (LeCun et al.).
//
// Layout: two zero bytes, a type byte (0x08 = unsigned byte), the number of dimensions, then each
// dimension as a big-endian uint32, then the data. Images are 3-dimensional (count x rows x cols),
// labels 1-dimensional. Everything read is checked; a problem throws DataError with a message
// that names the source, what was expected and what was found.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace fwdlab {

class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct IdxImages {
  int count = 0;
  int rows = 0;
  int cols = 0;
  std::vector<std::uint8_t> pixels;  // count * rows * cols, row-major per image
};

struct IdxLabels {
  int count = 0;
  std::vector<std::uint8_t> labels;  // each in 0..9
};

// `source` names the data in error messages (a file name or a URL).
IdxImages parse_idx_images(const std::uint8_t* data, std::size_t size, const std::string& source);
IdxLabels parse_idx_labels(const std::uint8_t* data, std::size_t size, const std::string& source);

// Whole file as bytes; throws DataError naming the path when it cannot be read.
std::vector<std::uint8_t> read_file_bytes(const std::string& path);

}  // namespace fwdlab
