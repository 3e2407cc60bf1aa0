// Weights files: a round trip restores predictions; every corrupt file is refused untouched.
#include <catch2/catch.hpp>

#include <cstring>

#include "core/weights_io.h"
#include "learn/backprop.h"
#include "test_support.h"

using namespace fwdlab;

namespace {

std::string load_error(const std::vector<std::uint8_t>& bytes, const Config& config, BackpropTrainer& trainer) {
  try {
    load_weights(bytes.data(), bytes.size(), "w.bin", config, 784, trainer.parameters());
  } catch (const WeightsError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("weights round trip and corrupt files", "[weights]") {
  Config config;
  config.hidden = {16, 8};
  config.seed = 1;
  BackpropTrainer source(config, 784);
  config.seed = 2;
  BackpropTrainer target(config, 784);
  const auto bytes = serialize_weights(config, 784, source.parameters());

  Rng rng(3);
  Matrix x, a, b;
  std::vector<int> labels;
  test::random_batch(rng, 4, 784, x, labels);
  source.predict_scores(x, a);
  target.predict_scores(x, b);
  REQUIRE_FALSE(a.isApprox(b));

  SECTION("round trip gives identical predictions") {
    const auto header = load_weights(bytes.data(), bytes.size(), "w.bin", config, 784, target.parameters());
    CHECK(header.rule == "bp");
    CHECK(header.hidden == config.hidden);
    target.predict_scores(x, b);
    CHECK(a == b);
  }

  const auto before = target.parameters()[0]->value;
  auto unchanged = [&] { return target.parameters()[0]->value == before; };

  SECTION("truncated file") {
    for (std::size_t cut : {std::size_t{0}, std::size_t{5}, std::size_t{20}, bytes.size() / 2, bytes.size() - 1}) {
      std::vector<std::uint8_t> t(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut));
      CHECK_THAT(load_error(t, config, target), Catch::Contains("truncated weights file"));
    }
    CHECK(unchanged());
  }
  SECTION("wrong magic") {
    auto t = bytes;
    t[0] = 'X';
    CHECK_THAT(load_error(t, config, target), Catch::Contains("not a Forward Lab weights file"));
  }
  SECTION("wrong version") {
    auto t = bytes;
    t[8] = 99;
    CHECK_THAT(load_error(t, config, target), Catch::Contains("version 99 is not supported"));
  }
  SECTION("wrong architecture") {
    Config other = config;
    other.hidden = {16, 9};
    BackpropTrainer different(other, 784);
    CHECK_THAT(load_error(serialize_weights(other, 784, different.parameters()), config, target),
               Catch::Contains("the weights are for rule bp with hidden layers 16,9"));
    CHECK(unchanged());
  }
  SECTION("hostile sizes") {
    auto t = bytes;
    t[12] = 0xFF;  // rule name length
    t[13] = 0xFF;
    CHECK_THAT(load_error(t, config, target), Catch::Contains("rule name is"));
    auto u = bytes;
    const std::size_t layer_count_at = 8 + 4 + 4 + 2 + 4;  // magic, version, "bp", inputs
    u[layer_count_at + 3] = 0x7F;
    CHECK_THAT(load_error(u, config, target), Catch::Contains("hidden layers; at most 16"));
    CHECK(unchanged());
  }
  SECTION("hostile sizes further in: inputs, layer sizes, tensor count, tensor shapes") {
    // Offsets in the file of config.hidden = {16, 8}: magic 8, version 4, "bp" 4 + 2.
    const std::size_t inputs_at = 8 + 4 + 4 + 2;
    const std::size_t first_layer_at = inputs_at + 4 + 4;
    const std::size_t count_at = first_layer_at + 2 * 4;
    const std::size_t first_rows_at = count_at + 4 + 4 + std::string("layer1.weight").size();
    auto set_u32 = [](std::vector<std::uint8_t> t, std::size_t at, std::uint32_t v) {
      for (int i = 0; i < 4; ++i) t[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
      return t;
    };
    CHECK_THAT(load_error(set_u32(bytes, inputs_at, 0xFFFFFFFFu), config, target),
               Catch::Contains("the file claims an input size of 4294967295 (corrupt file?)"));
    CHECK_THAT(load_error(set_u32(bytes, first_layer_at, 0x80000000u), config, target),
               Catch::Contains("the file claims a layer size of 2147483648 (corrupt file?)"));
    CHECK_THAT(load_error(set_u32(bytes, count_at, 0xFFFFFFFFu), config, target),
               Catch::Contains("the file holds 4294967295 tensors, the model has 6"));
    // 4 billion rows of 16 floats would be 256 GiB: refused by shape, before any allocation.
    CHECK_THAT(load_error(set_u32(bytes, first_rows_at, 0xFFFFFFFFu), config, target),
               Catch::Contains("tensor 1 is layer1.weight (4294967295x16), the model expects layer1.weight (784x16)"));
    CHECK(unchanged());
  }
  SECTION("non-finite values") {
    auto t = bytes;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    std::memcpy(t.data() + t.size() - 4, &nan, 4);
    CHECK_THAT(load_error(t, config, target), Catch::Contains("non-finite value"));
    CHECK(unchanged());
  }
  SECTION("trailing bytes") {
    auto t = bytes;
    t.push_back(0);
    CHECK_THAT(load_error(t, config, target), Catch::Contains("unexpected bytes after the last tensor"));
  }
}
