#include "core/idx.h"

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace fwdlab {
namespace {

constexpr std::uint8_t kUnsignedByteType = 0x08;
// Far above any real IDX data set (MNIST's training images are 47 MB) and below what a 32-bit
// wasm address space could hold; a header that claims more is corrupt or hostile.
// The bound is also what keeps every count, and so Dataset::count, within an int.
constexpr std::uint64_t kMaxElements = (std::uint64_t{1} << 31) - 1;

// A file larger than the largest IDX file the reader accepts (header + kMaxElements) is refused
// before it is read into memory.
constexpr std::uint64_t kMaxFileBytes = kMaxElements + 16;

std::string hex32(std::uint32_t value) {
  std::ostringstream out;
  out << "0x";
  out.width(8);
  out.fill('0');
  out << std::hex << value;
  return out.str();
}

std::uint32_t read_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

// Checks the header and returns the dimensions; the data start at 4 + 4 * dims.size().
std::vector<std::uint32_t> parse_header(const std::uint8_t* data, std::size_t size,
                                        const std::string& source, int expected_dims,
                                        const char* what) {
  const std::uint32_t expected_magic = 0x00000800u | static_cast<std::uint32_t>(expected_dims);
  if (size < 4) {
    throw DataError(source + ": truncated " + what + " file: expected at least a 4-byte header, found " +
                    std::to_string(size) + " bytes");
  }
  const std::uint32_t magic = read_be32(data);
  if (data[0] != 0 || data[1] != 0 || data[2] != kUnsignedByteType) {
    throw DataError(source + ": wrong magic number for an IDX " + what + " file: expected " +
                    hex32(expected_magic) + ", found " + hex32(magic));
  }
  const int dims = data[3];
  if (dims != expected_dims) {
    throw DataError(source + ": wrong dimension count for " + what + ": expected " +
                    std::to_string(expected_dims) + ", found " + std::to_string(dims) +
                    " (magic " + hex32(magic) + ")");
  }
  const std::size_t header = 4 + 4 * static_cast<std::size_t>(dims);
  if (size < header) {
    throw DataError(source + ": truncated " + what + " header: expected " + std::to_string(header) +
                    " bytes, found " + std::to_string(size));
  }
  std::vector<std::uint32_t> shape(dims);
  std::uint64_t elements = 1;
  for (int d = 0; d < dims; ++d) {
    shape[d] = read_be32(data + 4 + 4 * d);
    if (shape[d] == 0) {
      throw DataError(source + ": dimension " + std::to_string(d) + " of the " + what +
                      " is zero; expected a positive size");
    }
    elements *= shape[d];  // at most 3 factors below 2^32 each, checked after every step
    if (elements > kMaxElements) {
      throw DataError(source + ": the " + what + " header claims more than " +
                      std::to_string(kMaxElements) + " bytes of data; the size would overflow");
    }
  }
  const std::uint64_t expected_size = header + elements;
  if (size != expected_size) {
    throw DataError(source + ": " + (size < expected_size ? "truncated" : "oversized") + " " + what +
                    " file: the header promises " + std::to_string(expected_size) +
                    " bytes, found " + std::to_string(size));
  }
  return shape;
}

}  // namespace

IdxImages parse_idx_images(const std::uint8_t* data, std::size_t size, const std::string& source) {
  const auto shape = parse_header(data, size, source, 3, "images");
  IdxImages images;
  images.count = static_cast<int>(shape[0]);
  images.rows = static_cast<int>(shape[1]);
  images.cols = static_cast<int>(shape[2]);
  images.pixels.assign(data + 16, data + size);
  return images;
}

IdxLabels parse_idx_labels(const std::uint8_t* data, std::size_t size, const std::string& source) {
  const auto shape = parse_header(data, size, source, 1, "labels");
  IdxLabels labels;
  labels.count = static_cast<int>(shape[0]);
  labels.labels.assign(data + 8, data + size);
  for (int i = 0; i < labels.count; ++i) {
    if (labels.labels[i] > 9) {
      throw DataError(source + ": label " + std::to_string(i) + " is " +
                      std::to_string(labels.labels[i]) + "; expected a class in 0..9");
    }
  }
  return labels;
}

std::vector<std::uint8_t> read_file_bytes(const std::string& path) {
  // A directory opens as a stream here and reports a size near 2^63, so it is named first.
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) throw DataError(path + ": is a directory, not a data file");
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw DataError(path + ": cannot open the file (missing? run scripts/prepare-data)");
  const std::streamoff size = in.tellg();
  if (size < 0) throw DataError(path + ": cannot read the file size");
  if (static_cast<std::uint64_t>(size) > kMaxFileBytes) {
    throw DataError(path + ": the file is " + std::to_string(size) + " bytes; no data file here is larger than " +
                    std::to_string(kMaxFileBytes) + " bytes");
  }
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  in.seekg(0);
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size)) {
    throw DataError(path + ": read failed after " + std::to_string(in.gcount()) + " bytes");
  }
  return bytes;
}

}  // namespace fwdlab
