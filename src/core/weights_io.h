// A versioned binary file of trained weights.
//
// Layout (little-endian):
//   "FWDLABW\0"            8-byte magic
//   u32 version            kWeightsVersion
//   str rule               u32 length + bytes (at most 64)
//   u32 input features
//   u32 n, u32 hidden[n]   hidden layer sizes (n at most 16)
//   u32 p                  number of parameter tensors
//   p x { str name, u32 rows, u32 cols, f32 values[rows * cols] }
// Loading checks everything (hostile sizes included) before it changes a single weight, so a bad
// file leaves the current model untouched.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/layers.h"

namespace fwdlab {

constexpr std::uint32_t kWeightsVersion = 1;

class WeightsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::vector<std::uint8_t> serialize_weights(const Config& config, int input_features,
                                            const std::vector<Param*>& params);

// What a weights file says about itself.
struct WeightsHeader {
  std::uint32_t version = 0;
  std::string rule;
  int input_features = 0;
  std::vector<int> hidden;
};

// Reads the whole file into `params` (which must match it in rule, architecture, names and
// shapes); throws WeightsError naming the source and the mismatch, leaving params unchanged.
WeightsHeader load_weights(const std::uint8_t* data, std::size_t size, const std::string& source,
                           const Config& config, int input_features, const std::vector<Param*>& params);

void save_weights_file(const std::string& path, const Config& config, int input_features,
                       const std::vector<Param*>& params);

}  // namespace fwdlab
