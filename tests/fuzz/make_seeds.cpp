// Writes the seed corpora in tests/fuzz/corpus/ (committed; rerun after a format change):
//   build/fuzz/tests/fuzz/fuzz_make_seeds tests/fuzz/corpus
// Each seed is a valid input plus a few near misses, so the fuzzers start past the first checks.
#include <cstdint>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "core/weights_io.h"
#include "fuzz_models.h"
#include "learn/checkpoint.h"
#include "learn/registry.h"
#include "learn/session.h"

using namespace fwdlab;
using Bytes = std::vector<std::uint8_t>;

namespace {

void write(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

void be32(Bytes& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}

// selector byte (0 images, 1 labels for fuzz_idx) + an IDX file of `count` items.
Bytes idx(std::uint8_t selector, std::vector<std::uint32_t> dims) {
  Bytes out = {selector, 0, 0, 0x08, static_cast<std::uint8_t>(dims.size())};
  std::uint64_t n = 1;
  for (auto d : dims) {
    be32(out, d);
    n *= d;
  }
  for (std::uint64_t i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>((i * 37) % 10));
  return out;
}

Bytes args(const std::vector<std::string>& list) {
  Bytes out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i) out.push_back(0);
    out.insert(out.end(), list[i].begin(), list[i].end());
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_make_seeds CORPUS_DIR\n";
    return 2;
  }
  const std::string dir = argv[1];

  write(dir + "/fuzz_idx/images_28x28_x2", idx(0, {2, 28, 28}));
  write(dir + "/fuzz_idx/images_3x4_x1", idx(0, {1, 3, 4}));
  write(dir + "/fuzz_idx/labels_x10", idx(1, {10}));
  Bytes truncated = idx(0, {1, 28, 28});
  truncated.resize(truncated.size() / 2);
  write(dir + "/fuzz_idx/images_truncated", truncated);

  // The same four models as fuzz_weights.cpp (selector byte = index), with 16 inputs.
  const std::vector<std::pair<const char*, std::vector<int>>> models = {
      {"bp", {3, 2}}, {"ff", {4}}, {"lg-fga", {2, 2}}, {"fgw", {5}}};
  for (std::size_t i = 0; i < models.size(); ++i) {
    Config c;
    c.rule = models[i].first;
    c.hidden = models[i].second;
    auto trainer = make_trainer(c, 16);
    Bytes file = {static_cast<std::uint8_t>(i)};
    const Bytes body = serialize_weights(c, 16, trainer->parameters());
    file.insert(file.end(), body.begin(), body.end());
    write(dir + "/fuzz_weights/" + c.rule, file);
  }

  // Checkpoints of the runs in fuzz_models.h (selector byte = index), after 7 steps: optimiser
  // slots filled, mid-epoch.
  const auto& runs = fuzz::checkpoint_runs();
  for (std::size_t i = 0; i < runs.size(); ++i) {
    Session session(runs[i], fuzz::tiny_data(), fuzz::tiny_data());
    for (int s = 0; s < 7; ++s) session.step();
    Bytes file = {static_cast<std::uint8_t>(i)};
    const Bytes body = checkpoint_bytes(session);
    file.insert(file.end(), body.begin(), body.end());
    write(dir + "/fuzz_checkpoint/" + runs[i].rule, file);
  }

  write(dir + "/fuzz_options/basic", args({"--rule", "ff", "--hidden", "500,500", "--lr=0.01", "--opt", "sgd"}));
  write(dir + "/fuzz_options/every_kind",
        args({"--epochs", "3", "--batch=32", "--momentum", "0.5", "--fga-skip-inactive", "off", "--cosine",
              "--lg-groups", "4", "--hidden", "8,16", "--time-limit", "1e-3", "--ff-theta", "-2.5e2", "--json"}));
  write(dir + "/fuzz_options/layers_only", args({"1024,1024,10"}));
  write(dir + "/fuzz_options/bad", args({"--seed", "-1", "--tangents", "99999", "--dataset", "cifar"}));
  return 0;
}
