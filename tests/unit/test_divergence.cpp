// Divergence and dead networks: a learning rate large enough to break each rule stops the
// Session with a DivergenceError at the first non-finite loss or weight (or, for a network whose
// ReLUs have all switched off, a DeadNetworkError); normal training raises neither.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "core/config.h"
#include "learn/session.h"
#include "test_support.h"

using namespace fwdlab;

namespace {

std::shared_ptr<const Dataset> train_data() {
  static auto data = std::make_shared<const Dataset>(test::mnist().train.head(2000));
  return data;
}
std::shared_ptr<const Dataset> test_data() {
  static auto data = std::make_shared<const Dataset>(test::mnist().test.head(200));
  return data;
}

Config small(const std::string& rule) {
  Config c;
  c.rule = rule;
  c.hidden = {64, 64};
  c.batch = 32;
  c.epochs = 100;
  c.seed = 3;
  if (rule == "ff" || rule == "ff-unsup") c.ff_theta = 64;
  return c;
}

bool all_weights_finite(Session& s) {
  for (Param* p : s.trainer().parameters()) {
    if (!p->value.allFinite()) return false;
  }
  return true;
}

// Steps until the session throws; checks after every step it let through that the loss and every
// weight were still finite (so the throw came at the first non-finite value, not later).
// Returns the error message, or "" if `max_steps` passed without one.
template <typename Error>
std::string run_until(Session& s, int max_steps, long* failed_at = nullptr) {
  for (int i = 0; i < max_steps; ++i) {
    StepMetrics m;
    try {
      m = s.step();
    } catch (const Error& e) {
      if (failed_at) *failed_at = s.steps();
      return e.what();
    }
    REQUIRE(std::isfinite(m.loss));
    REQUIRE(all_weights_finite(s));
  }
  return "";
}

}  // namespace

TEST_CASE("a huge learning rate stops every rule with a DivergenceError", "[divergence]") {
  const std::string rule = GENERATE(as<std::string>{}, "bp", "ff", "ff-unsup", "fgw", "fga", "lg-fgw", "lg-fga", "lg-bp");
  Config c = small(rule);
  c.optimizer = "sgd";
  c.momentum = 0.9;
  c.lr = 10;  // the largest rate validate() accepts
  c.readout_lr = 10;
  Session s(c, train_data(), test_data());
  const std::string message = run_until<DivergenceError>(s, 400);
  INFO("rule " << rule << ": " << message);
  REQUIRE_FALSE(message.empty());
  CHECK_THAT(message, Catch::Contains("The learning rate 10 is too large for rule " + rule + "; try 1 and reset."));
  CHECK_THAT(message, Catch::Matches("training (diverged|stalled) at step [0-9]+: .*"));
}

TEST_CASE("a non-finite weight stops the session even while the loss is finite", "[divergence]") {
  const std::string rule = GENERATE(as<std::string>{}, "bp", "ff", "ff-unsup", "fgw", "fga", "lg-fgw", "lg-fga", "lg-bp");
  Session s(small(rule), train_data(), test_data());
  s.step();
  // A NaN in the last tensor (a bias of the output or of a head): the kind of value that a
  // ReLU's max(NaN, 0) or an unused head can hide from the loss.
  Param* last = s.trainer().parameters().back();
  last->value(0, 0) = std::numeric_limits<float>::quiet_NaN();
  try {
    s.step();
    FAIL("no DivergenceError");
  } catch (const DivergenceError& e) {
    CHECK_THAT(e.what(), Catch::Contains("training diverged at step 2: "));
    CHECK_THAT(e.what(), Catch::Contains("is no longer a finite number"));
  }
}

TEST_CASE("a network whose first-layer ReLUs are all off stops with a DeadNetworkError", "[divergence]") {
  const std::string rule = GENERATE(as<std::string>{}, "bp", "ff", "ff-unsup", "fgw", "fga", "lg-fgw", "lg-fga", "lg-bp");
  Config c = small(rule);
  c.lr = 1e-6;  // too small to switch the units back on by accident
  Session s(c, train_data(), test_data());
  for (Param* p : s.trainer().parameters()) {
    if (p->name == "layer1.bias") p->value.setConstant(-1e4f);  // every unit off for every image
  }
  long at = 0;
  const std::string message = run_until<DeadNetworkError>(s, 1000, &at);
  INFO("rule " << rule);
  CHECK_THAT(message, Catch::Contains("training stalled at step"));
  CHECK_THAT(message, Catch::Contains("no longer depend on its input"));
  CHECK(at == Session::kDeadCheckEvery * Session::kDeadChecks);
}

TEST_CASE("identical images are no evidence of a dead network", "[divergence]") {
  // A data set whose images are all the same gives equal outputs for any network; the check
  // needs two different images and stays silent without them.
  Dataset blank = test::mnist().train.head(200);
  std::fill(blank.pixels.begin(), blank.pixels.end(), std::uint8_t{0});
  Config c = small("bp");
  Session s(c, std::make_shared<const Dataset>(blank), test_data());
  CHECK(run_until<DivergenceError>(s, 200) == "");
}

TEST_CASE("normal training raises no divergence and no dead network", "[divergence]") {
  const std::string rule = GENERATE(as<std::string>{}, "bp", "ff", "ff-unsup", "fgw", "fga", "lg-fgw", "lg-fga", "lg-bp");
  Config c = small(rule);
  if (rule == "fgw" || rule == "lg-fgw") c.lr = 1e-4;
  if (rule == "ff-unsup") c.ff_schedule = "greedy";  // later layers untrained at first, still alive
  Session s(c, train_data(), test_data());
  CHECK(run_until<DivergenceError>(s, 300) == "");
}
