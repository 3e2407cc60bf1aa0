// The weight average (--average-epochs): the rule against a double-precision reference, its
// evaluation against a session given the averaged weights by hand, and checkpoints with it.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "core/rng.h"
#include "learn/checkpoint.h"
#include "learn/weight_average.h"
#include "test_support.h"

using namespace fwdlab;

namespace {

std::vector<Matrix> values_of(const std::vector<Param*>& params) {
  std::vector<Matrix> out;
  for (const Param* p : params) out.push_back(p->value);
  return out;
}

Config small_config(const std::string& rule, double average_epochs) {
  Config c;
  c.rule = rule;
  c.hidden = {16, 12};
  c.batch = 10;
  c.train_limit = 200;  // 20 steps per epoch
  c.test_limit = 100;
  c.epochs = 4;
  c.seed = 5;
  c.lr = rule == "fgw" ? 1e-3 : 1e-2;  // large enough that the iterates differ visibly
  c.ff_theta = 16;
  c.average_epochs = average_epochs;
  return c;
}

}  // namespace

TEST_CASE("the weight average is the mean of the first H iterates, then an exponential average", "[average]") {
  const long horizon = 4;
  Param a, b;
  a.resize(3, 5);
  b.resize(1, 5);
  const std::vector<Param*> params = {&a, &b};
  WeightAverage average(horizon);
  Rng rng(11);
  std::vector<std::vector<double>> reference(2);  // the rule in double, written out directly
  for (int n = 1; n <= 12; ++n) {
    rng.fill_normal(a.value);
    rng.fill_normal(b.value);
    average.update(params);
    for (int t = 0; t < 2; ++t) {
      const Matrix& w = params[t]->value;
      if (n == 1) reference[t].assign(w.data(), w.data() + w.size());
      const double keep = n <= horizon ? (n - 1.0) / n : 1.0 - 1.0 / horizon;
      if (n > 1) {
        for (Eigen::Index i = 0; i < w.size(); ++i) reference[t][i] = keep * reference[t][i] + (1.0 - keep) * w.data()[i];
      }
    }
  }
  CHECK(average.count() == 12);
  const std::vector<Matrix> live = values_of(params);
  average.install(params);
  for (int t = 0; t < 2; ++t) {
    for (Eigen::Index i = 0; i < params[t]->value.size(); ++i) {
      CHECK(params[t]->value.data()[i] == Approx(reference[t][i]).margin(1e-6));
      CHECK(params[t]->value.data()[i] != live[t].data()[i]);  // not the last iterate
    }
  }
  average.restore(params);
  CHECK(test::same_bits(a.value, live[0]));
  CHECK(test::same_bits(b.value, live[1]));
}

TEST_CASE("evaluating the average equals evaluating a model given the averaged weights", "[average]") {
  for (const std::string rule : {"bp", "ff", "fgw", "lg-fga"}) {
    DYNAMIC_SECTION(rule) {
      // A horizon beyond the run: the average is the plain mean of every iterate, which the test
      // computes itself in double.
      Config c = small_config(rule, 10.0);
      auto session = test::mnist_session(c);
      std::vector<std::vector<double>> sum;
      const int steps = 30;
      for (int n = 0; n < steps; ++n) {
        session->step();
        const auto params = session->trainer().parameters();
        sum.resize(params.size());
        for (std::size_t t = 0; t < params.size(); ++t) {
          const Matrix& w = params[t]->value;
          sum[t].resize(static_cast<std::size_t>(w.size()), 0.0);
          for (Eigen::Index i = 0; i < w.size(); ++i) sum[t][i] += w.data()[i];
        }
      }
      REQUIRE(session->has_average());
      const std::vector<Matrix> live = values_of(session->trainer().parameters());
      const Evaluation live_eval = session->evaluate();
      const Evaluation averaged = session->evaluate_averaged();

      // The live weights are back, bit for bit, and evaluate as before.
      const auto params = session->trainer().parameters();
      for (std::size_t t = 0; t < params.size(); ++t) CHECK(test::same_bits(params[t]->value, live[t]));
      CHECK(session->evaluate().loss == live_eval.loss);

      // A second model (same config, no steps taken) given the mean by hand evaluates the same.
      c.average_epochs = 0;
      auto by_hand = test::mnist_session(c);
      const auto hand_params = by_hand->trainer().parameters();
      REQUIRE(hand_params.size() == params.size());
      for (std::size_t t = 0; t < params.size(); ++t) {
        Matrix& w = hand_params[t]->value;
        for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = static_cast<float>(sum[t][i] / steps);
      }
      const Evaluation expected = by_hand->evaluate();
      CHECK(averaged.accuracy == Approx(expected.accuracy).margin(0.011));  // a float rounding may flip one of 100
      CHECK(averaged.loss == Approx(expected.loss).epsilon(1e-4));
      CHECK(averaged.loss != live_eval.loss);  // the average is not the last iterate
    }
  }
}

TEST_CASE("a run with a weight average resumes from a checkpoint with the same average", "[average][checkpoint]") {
  const std::string path = std::string(FWDLAB_TEST_TMP_DIR) + "/average.ckpt";
  const Config c = small_config("fgw", 0.5);  // 10-step horizon: the exponential phase is reached
  auto straight = test::mnist_session(c);
  for (int i = 0; i < 50; ++i) straight->step();

  auto first = test::mnist_session(c);
  for (int i = 0; i < 25; ++i) first->step();
  save_checkpoint(path, *first);
  first.reset();
  auto resumed = test::mnist_session(c);
  REQUIRE(load_checkpoint(path, *resumed));
  for (int i = 0; i < 25; ++i) resumed->step();
  const Evaluation a = straight->evaluate_averaged();
  const Evaluation b = resumed->evaluate_averaged();
  CHECK(a.loss == b.loss);
  CHECK(a.accuracy == b.accuracy);

  // Without averaging, the same checkpoint loads (its average is skipped) ...
  Config plain = c;
  plain.average_epochs = 0;
  auto without = test::mnist_session(plain);
  CHECK(load_checkpoint(path, *without));
  CHECK_FALSE(without->has_average());

  // ... and a checkpoint without an average resumes a run that keeps one, which starts afresh.
  auto old = test::mnist_session(plain);
  for (int i = 0; i < 5; ++i) old->step();
  save_checkpoint(path, *old);
  auto averaging = test::mnist_session(c);
  REQUIRE(load_checkpoint(path, *averaging));
  CHECK_FALSE(averaging->has_average());
  averaging->step();
  CHECK(averaging->has_average());

  // A truncated average is an error like any other truncation.
  std::vector<std::uint8_t> bytes = checkpoint_bytes(*straight);
  for (std::size_t cut : {std::size_t{1}, std::size_t{9}, bytes.size() / 50}) {
    auto s = test::mnist_session(c);
    CHECK_THROWS_AS(load_checkpoint_bytes(bytes.data(), bytes.size() - cut, "cut.ckpt", *s), CheckpointError);
  }
  std::remove(path.c_str());
}

TEST_CASE("the weight-average horizon is validated", "[average][config]") {
  Config c;
  c.average_epochs = -1;
  CHECK_THROWS_WITH(validate(c), Catch::Contains("weight-average horizon (epochs) must be in [0, 100000], got -1"));
  c.average_epochs = std::nan("");
  CHECK_THROWS_AS(validate(c), ConfigError);
  c.average_epochs = 2.5;
  CHECK_NOTHROW(validate(c));
}
