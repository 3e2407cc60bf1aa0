#include "core/weights_io.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

namespace fwdlab {
namespace {

constexpr char kMagic[8] = {'F', 'W', 'D', 'L', 'A', 'B', 'W', '\0'};
constexpr std::uint32_t kMaxString = 64;
constexpr std::uint32_t kMaxHidden = 16;
constexpr std::uint32_t kMaxParams = 1024;

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void put_string(std::vector<std::uint8_t>& out, const std::string& s) {
  put_u32(out, static_cast<std::uint32_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size, const std::string& source)
      : data_(data), size_(size), source_(source) {}

  void need(std::size_t n, const char* what) {
    if (size_ - pos_ < n) {
      throw WeightsError(source_ + ": truncated weights file: needed " + std::to_string(n) + " more bytes for " +
                         what + " at offset " + std::to_string(pos_) + ", file has " + std::to_string(size_));
    }
  }
  std::uint32_t u32(const char* what) {
    need(4, what);
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= std::uint32_t{data_[pos_ + i]} << (8 * i);
    pos_ += 4;
    return v;
  }
  std::string string(const char* what) {
    const std::uint32_t n = u32(what);
    if (n > kMaxString) {
      throw WeightsError(source_ + ": " + what + " is " + std::to_string(n) + " bytes long; at most " +
                         std::to_string(kMaxString) + " expected (corrupt file?)");
    }
    need(n, what);
    std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return s;
  }
  const std::uint8_t* bytes(std::size_t n, const char* what) {
    need(n, what);
    const std::uint8_t* p = data_ + pos_;
    pos_ += n;
    return p;
  }
  std::size_t position() const { return pos_; }
  std::size_t size() const { return size_; }
  const std::string& source() const { return source_; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
  std::string source_;
};

// A size read from the file, as an int; a value no int holds is a corrupt or hostile file (it
// would otherwise print as a negative size in the mismatch message).
int size_field(std::uint32_t value, const char* what, const std::string& source) {
  if (value > static_cast<std::uint32_t>(std::numeric_limits<int>::max())) {
    throw WeightsError(source + ": the file claims " + what + " of " + std::to_string(value) + " (corrupt file?)");
  }
  return static_cast<int>(value);
}

}  // namespace

std::vector<std::uint8_t> serialize_weights(const Config& config, int input_features,
                                            const std::vector<Param*>& params) {
  std::vector<std::uint8_t> out(kMagic, kMagic + 8);
  put_u32(out, kWeightsVersion);
  put_string(out, config.rule);
  put_u32(out, static_cast<std::uint32_t>(input_features));
  put_u32(out, static_cast<std::uint32_t>(config.hidden.size()));
  for (int h : config.hidden) put_u32(out, static_cast<std::uint32_t>(h));
  put_u32(out, static_cast<std::uint32_t>(params.size()));
  for (const Param* p : params) {
    put_string(out, p->name);
    put_u32(out, static_cast<std::uint32_t>(p->value.rows()));
    put_u32(out, static_cast<std::uint32_t>(p->value.cols()));
    const std::size_t n = static_cast<std::size_t>(p->value.size());
    const std::size_t start = out.size();
    out.resize(start + 4 * n);
    // Floats are stored little-endian; every target we build for (x86-64, wasm32) is.
    std::memcpy(out.data() + start, p->value.data(), 4 * n);
  }
  return out;
}

WeightsHeader load_weights(const std::uint8_t* data, std::size_t size, const std::string& source,
                           const Config& config, int input_features, const std::vector<Param*>& params) {
  Reader in(data, size, source);
  const std::uint8_t* magic = in.bytes(8, "the magic number");
  if (std::memcmp(magic, kMagic, 8) != 0) {
    throw WeightsError(source + ": not a Forward Lab weights file (wrong magic number; expected FWDLABW)");
  }
  WeightsHeader h;
  h.version = in.u32("the version");
  if (h.version != kWeightsVersion) {
    throw WeightsError(source + ": weights file version " + std::to_string(h.version) +
                       " is not supported; this build reads version " + std::to_string(kWeightsVersion));
  }
  h.rule = in.string("the rule name");
  h.input_features = size_field(in.u32("the input size"), "an input size", source);
  const std::uint32_t n_hidden = in.u32("the layer count");
  if (n_hidden > kMaxHidden) {
    throw WeightsError(source + ": the file claims " + std::to_string(n_hidden) + " hidden layers; at most " +
                       std::to_string(kMaxHidden) + " (corrupt file?)");
  }
  for (std::uint32_t i = 0; i < n_hidden; ++i) h.hidden.push_back(size_field(in.u32("a layer size"), "a layer size", source));
  if (h.rule != config.rule || h.hidden != config.hidden || h.input_features != input_features) {
    throw WeightsError(source + ": the weights are for rule " + h.rule + " with hidden layers " +
                       format_layer_sizes(h.hidden) + " and " + std::to_string(h.input_features) +
                       " inputs, but the current model is rule " + config.rule + " with hidden layers " +
                       format_layer_sizes(config.hidden) + " and " + std::to_string(input_features) +
                       " inputs; choose the same model first");
  }
  const std::uint32_t count = in.u32("the tensor count");
  if (count > kMaxParams || count != params.size()) {
    throw WeightsError(source + ": the file holds " + std::to_string(count) + " tensors, the model has " +
                       std::to_string(params.size()));
  }
  // First pass: check every tensor and remember where its values are; nothing is written yet.
  std::vector<const std::uint8_t*> values(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    const Param& p = *params[i];
    const std::string name = in.string("a tensor name");
    const std::uint32_t rows = in.u32("a tensor shape");
    const std::uint32_t cols = in.u32("a tensor shape");
    if (name != p.name || rows != static_cast<std::uint64_t>(p.value.rows()) ||
        cols != static_cast<std::uint64_t>(p.value.cols())) {
      throw WeightsError(source + ": tensor " + std::to_string(i + 1) + " is " + name + " (" + std::to_string(rows) +
                         "x" + std::to_string(cols) + "), the model expects " + p.name + " (" +
                         std::to_string(p.value.rows()) + "x" + std::to_string(p.value.cols()) + ")");
    }
    values[i] = in.bytes(4 * static_cast<std::size_t>(rows) * cols, "tensor values");
    Matrix check(rows, cols);
    std::memcpy(check.data(), values[i], 4 * static_cast<std::size_t>(rows) * cols);
    if (!check.allFinite()) throw WeightsError(source + ": tensor " + name + " holds a non-finite value");
  }
  if (in.position() != in.size()) {
    throw WeightsError(source + ": " + std::to_string(in.size() - in.position()) +
                       " unexpected bytes after the last tensor (corrupt file?)");
  }
  for (std::uint32_t i = 0; i < count; ++i) {
    Param& p = *params[i];
    std::memcpy(p.value.data(), values[i], 4 * static_cast<std::size_t>(p.value.size()));
    p.slot1.setZero();
    p.slot2.setZero();
    p.steps = 0;
  }
  return h;
}

void save_weights_file(const std::string& path, const Config& config, int input_features,
                       const std::vector<Param*>& params) {
  const auto bytes = serialize_weights(config, input_features, params);
  std::ofstream out(path, std::ios::binary);
  if (!out || !out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()))) {
    throw WeightsError(path + ": cannot write the weights file");
  }
}

}  // namespace fwdlab
