// The same seed gives a bit-identical run; another seed does not.
#include <catch2/catch.hpp>

#include <memory>

#include "learn/session.h"
#include "test_support.h"

using namespace fwdlab;

namespace {

std::vector<Matrix> weights_after(std::uint64_t seed, int steps) {
  const auto& mnist = test::mnist();
  Config config;
  config.hidden = {32, 16};
  config.seed = seed;
  config.batch = 16;
  config.train_limit = 4000;
  Session session(config, std::make_shared<const Dataset>(mnist.train), std::make_shared<const Dataset>(mnist.test));
  for (int i = 0; i < steps; ++i) session.step();
  std::vector<Matrix> weights;
  for (Param* p : session.trainer().parameters()) weights.push_back(p->value);
  return weights;
}

bool identical(const std::vector<Matrix>& a, const std::vector<Matrix>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].rows() != b[i].rows() || a[i].cols() != b[i].cols()) return false;
    if (std::memcmp(a[i].data(), b[i].data(), sizeof(float) * a[i].size()) != 0) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("the same seed gives identical weights after 100 steps", "[determinism]") {
  const auto a = weights_after(7, 100);
  const auto b = weights_after(7, 100);
  const auto c = weights_after(8, 100);
  CHECK(identical(a, b));
  CHECK_FALSE(identical(a, c));
}

TEST_CASE("the random stream depends only on the seed", "[determinism]") {
  Rng a(42), b(42), c(43);
  for (int i = 0; i < 1000; ++i) {
    const auto x = a.next_u64();
    CHECK(x == b.next_u64());
    if (i == 0) CHECK(x != c.next_u64());
  }
  // Normal samples have mean 0 and variance 1 (4 sigma bounds for n = 100000).
  Rng n(5);
  double sum = 0, sum_sq = 0;
  const int count = 100000;
  for (int i = 0; i < count; ++i) {
    const double v = n.normal();
    sum += v;
    sum_sq += v * v;
  }
  CHECK(std::fabs(sum / count) < 4.0 / std::sqrt(count));
  CHECK(std::fabs(sum_sq / count - 1.0) < 4.0 * std::sqrt(2.0 / count));
  // below(n) is uniform: each of 10 buckets within 5 sigma of 10000.
  int buckets[10] = {};
  for (int i = 0; i < count; ++i) buckets[n.below(10)]++;
  for (int k = 0; k < 10; ++k) CHECK(std::abs(buckets[k] - 10000) < 5 * 95);
}
