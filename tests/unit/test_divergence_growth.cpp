// Divergence: a learning rate far too large stops every rule with a DivergenceError that names
// the step and suggests a smaller rate, whether the loss overflows or only blows up.
#include <catch2/catch.hpp>

#include <memory>

#include "learn/session.h"
#include "test_support.h"

using namespace fwdlab;

namespace {

Config rule_config(const std::string& rule, double lr) {
  Config c;
  c.rule = rule;
  c.lr = lr;
  c.batch = 64;
  c.epochs = 1;
  c.train_limit = 3200;
  c.test_limit = 100;
  if (rule == "bp") c.hidden = {256, 256};
  if (rule == "ff") c.hidden = {200, 200};
  if (rule == "ff-unsup") c.hidden = {200, 200, 200};
  if (rule == "ff" || rule == "ff-unsup") {
    c.ff_norm = "rms";
    c.ff_theta = 500;
  }
  if (rule == "fgw" || rule == "lg-fgw") {
    c.hidden = {32};
    c.optimizer = "sgd";
    c.momentum = 0;
  }
  if (rule == "fga" || rule == "lg-bp") c.hidden = {256};
  if (rule == "lg-fga") {
    c.hidden = {512};
    c.lg_groups = 16;
  }
  return c;
}

// Steps until the session throws; returns the message ("" if it never did within `steps`).
std::string diverges_within(const Config& c, int steps) {
  const auto& mnist = test::mnist();
  Session s(c, std::make_shared<const Dataset>(mnist.train), std::make_shared<const Dataset>(mnist.test));
  try {
    for (int i = 0; i < steps && !s.finished(); ++i) s.step();
  } catch (const DivergenceError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the largest learning rate stops every rule with a DivergenceError", "[divergence]") {
  for (const char* rule : {"bp", "ff", "ff-unsup", "fgw", "fga", "lg-fga", "lg-bp", "lg-fgw"}) {
    for (std::uint64_t seed : {1, 2}) {
      INFO("rule " << rule << ", seed " << seed);
      Config c = rule_config(rule, 10.0);
      c.seed = seed;
      const std::string message = diverges_within(c, 50);
      INFO(message);
      CHECK_THAT(message, Catch::Matches("training diverged at step \\d+: .*The learning rate 10 is too large for rule " +
                                         std::string(rule) + "; try 1 and reset\\."));
    }
  }
}

TEST_CASE("Forward-Forward units that die at a large rate are caught by the loss jump before", "[divergence]") {
  // lr 0.1: the goodness of every unit goes to 0 and the loss settles at layers x theta, finite.
  for (const char* rule : {"ff", "ff-unsup"}) {
    INFO(rule);
    const std::string message = diverges_within(rule_config(rule, 0.1), 20);
    CHECK_THAT(message, Catch::Contains("the loss grew from"));
  }
}

TEST_CASE("healthy runs never trip the divergence check", "[divergence][learning]") {
  // The page's presets (rates) on the same shapes: a full epoch over 3,200 images each.
  for (const auto& [rule, lr] : std::vector<std::pair<std::string, double>>{
           {"bp", 1e-3}, {"ff", 1e-3}, {"fgw", 1e-3}, {"fga", 2e-3}, {"lg-fga", 1e-2}}) {
    INFO(rule);
    CHECK(diverges_within(rule_config(rule, lr), 1000) == "");
  }
}
