// libFuzzer target: the weights-file reader (what "Import weights" on the page and the wasm
// binding hand it). The first input byte picks one of a few small models; the rest is the file.
// Two properties are checked besides "no crash, no sanitizer report":
//   - a refused file (WeightsError) leaves every weight exactly as it was;
//   - an accepted file is exactly what serialize_weights writes for the loaded model.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "core/weights_io.h"
#include "learn/registry.h"

using namespace fwdlab;

namespace {

constexpr int kFeatures = 16;  // a 4x4 "image": small tensors keep the fuzzer fast

struct Model {
  Config config;
  std::unique_ptr<Trainer> trainer;
};

std::vector<Model>& models() {
  static std::vector<Model> all = [] {
    std::vector<Model> out;
    auto add = [&](const char* rule, std::vector<int> hidden) {
      Model m;
      m.config.rule = rule;
      m.config.hidden = std::move(hidden);
      m.trainer = make_trainer(m.config, kFeatures);
      out.push_back(std::move(m));
    };
    add("bp", {3, 2});
    add("ff", {4});
    add("lg-fga", {2, 2});
    add("fgw", {5});
    return out;
  }();
  return all;
}

std::vector<float> snapshot(Trainer& trainer) {
  std::vector<float> values;
  for (const Param* p : trainer.parameters()) values.insert(values.end(), p->value.data(), p->value.data() + p->value.size());
  return values;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  Model& m = models()[data[0] % models().size()];
  const std::vector<float> before = snapshot(*m.trainer);
  try {
    load_weights(data + 1, size - 1, "fuzz.bin", m.config, kFeatures, m.trainer->parameters());
  } catch (const WeightsError&) {
    if (!same_bits(before, snapshot(*m.trainer))) __builtin_trap();  // a refused file changed the model
    return 0;
  }
  const auto again = serialize_weights(m.config, kFeatures, m.trainer->parameters());
  if (again.size() != size - 1 || std::memcmp(again.data(), data + 1, size - 1) != 0) __builtin_trap();
  return 0;
}
