// Configuration validation: each bad value is rejected with a message that names it.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "core/config.h"

using namespace fwdlab;

namespace {
std::string error_of(const Config& c, int train_count = 0) {
  try {
    validate(c, train_count);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("the default configuration is valid", "[config]") {
  CHECK(error_of(Config{}, 60000).empty());
}

TEST_CASE("each bad value gives its own message", "[config]") {
  Config c;
  SECTION("empty hidden layers") {
    c.hidden = {};
    CHECK_THAT(error_of(c), Catch::Contains("hidden layers must not be empty"));
  }
  SECTION("zero-sized hidden layer") {
    c.hidden = {100, 0};
    CHECK_THAT(error_of(c), Catch::Contains("hidden layer 2 size must be in 1..16384, got 0"));
  }
  SECTION("negative hidden layer") {
    c.hidden = {-5};
    CHECK_THAT(error_of(c), Catch::Contains("hidden layer 1 size must be in 1..16384, got -5"));
  }
  SECTION("learning rate zero") {
    c.lr = 0;
    CHECK_THAT(error_of(c), Catch::Contains("learning rate must be a finite number in (0, 10], got 0"));
  }
  SECTION("learning rate negative") {
    c.lr = -1e-3;
    CHECK_THAT(error_of(c), Catch::Contains("learning rate must be a finite number"));
  }
  SECTION("learning rate not finite") {
    c.lr = std::numeric_limits<double>::quiet_NaN();
    CHECK_THAT(error_of(c), Catch::Contains("learning rate must be a finite number in (0, 10], got nan"));
    c.lr = std::numeric_limits<double>::infinity();
    CHECK_THAT(error_of(c), Catch::Contains("got inf"));
  }
  SECTION("batch size zero") {
    c.batch = 0;
    CHECK_THAT(error_of(c), Catch::Contains("batch size must be at least 1, got 0"));
  }
  SECTION("batch larger than the data") {
    c.batch = 5000;
    CHECK_THAT(error_of(c, 2000), Catch::Contains("batch size 5000 is larger than the 2000 training examples"));
    CHECK(error_of(c).empty());  // without a data size the bound is not checked
  }
  SECTION("unknown rule") {
    c.rule = "magic";
    CHECK_THAT(error_of(c), Catch::Contains("unknown rule 'magic'; expected one of: bp, ff, ff-unsup"));
  }
  SECTION("unknown dataset") {
    c.dataset = "cifar";
    CHECK_THAT(error_of(c), Catch::Contains("unknown dataset 'cifar'; expected one of: mnist, fashion"));
  }
  SECTION("unknown optimizer") {
    c.optimizer = "rmsprop";
    CHECK_THAT(error_of(c), Catch::Contains("unknown optimizer 'rmsprop'; expected one of: sgd, adam"));
  }
  SECTION("epochs") {
    c.epochs = 0;
    CHECK_THAT(error_of(c), Catch::Contains("epochs must be in 1..100000, got 0"));
  }
  SECTION("momentum of one or more") {
    c.momentum = 1.0;
    CHECK_THAT(error_of(c), Catch::Contains("momentum must be in [0, 1), got 1"));
  }
  SECTION("negative weight decay") {
    c.weight_decay = -0.1;
    CHECK_THAT(error_of(c), Catch::Contains("weight decay must be in [0, 1], got -0.1"));
  }
  SECTION("ff choices") {
    c.ff_goodness = "max";
    c.ff_norm = "l1";
    const auto message = error_of(c);
    CHECK_THAT(message, Catch::Contains("unknown ff goodness 'max'"));
    CHECK_THAT(message, Catch::Contains("unknown ff normalisation 'l1'"));
  }
  SECTION("groups must divide the layer sizes") {
    c.hidden = {100, 30};
    c.lg_groups = 4;
    CHECK_THAT(error_of(c), Catch::Contains("local-loss groups (4) must divide every hidden layer size; layer 2 has 30"));
  }
  SECTION("tangents") {
    c.fg_tangents = 0;
    CHECK_THAT(error_of(c), Catch::Contains("forward-gradient tangents must be in 1..1024, got 0"));
  }
}

TEST_CASE("several problems are reported together", "[config]") {
  Config c;
  c.lr = -1;
  c.batch = 0;
  const auto message = error_of(c);
  CHECK_THAT(message, Catch::Contains("learning rate"));
  CHECK_THAT(message, Catch::Contains("batch size"));
}

TEST_CASE("layer sizes parse strictly", "[config]") {
  CHECK(parse_layer_sizes("1024,1024") == std::vector<int>{1024, 1024});
  CHECK(parse_layer_sizes("7") == std::vector<int>{7});
  CHECK(format_layer_sizes({500, 500, 10}) == "500,500,10");
  for (const char* bad : {"", ",", "10,", "10,,20", "abc", "10x", "0", "-3", "1e3", "99999999999", " 10"}) {
    INFO("input '" << bad << "'");
    CHECK_THROWS_AS(parse_layer_sizes(bad), ConfigError);
  }
  CHECK_THROWS_WITH(parse_layer_sizes("10,abc"), Catch::Contains("got '10,abc'"));
}

// Every remaining field, one bad value each (the sections above cover the rest); each message
// names the field, the value found and what is allowed.
TEST_CASE("every field out of range is named in its message", "[config]") {
  struct Case {
    const char* what;
    std::function<void(Config&)> set;
    const char* message;
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<Case> cases = {
      {"too many layers", [](Config& c) { c.hidden = std::vector<int>(17, 10); }, "at most 16 hidden layers, got 17"},
      {"layer too wide", [](Config& c) { c.hidden = {16385}; }, "hidden layer 1 size must be in 1..16384, got 16385"},
      {"epochs too many", [](Config& c) { c.epochs = 100001; }, "epochs must be in 1..100000, got 100001"},
      {"negative train limit", [](Config& c) { c.train_limit = -1; }, "train limit must be 0 (all) or positive, got -1"},
      {"negative test limit", [](Config& c) { c.test_limit = -2; }, "test limit must be 0 (all) or positive, got -2"},
      {"lr above 10", [](Config& c) { c.lr = 11; }, "learning rate must be a finite number in (0, 10], got 11"},
      {"negative momentum", [](Config& c) { c.momentum = -0.1; }, "momentum must be in [0, 1), got -0.1"},
      {"beta1 of 1", [](Config& c) { c.beta1 = 1; }, "beta1 must be in [0, 1), got 1"},
      {"beta2 NaN", [=](Config& c) { c.beta2 = nan; }, "beta2 must be in [0, 1), got nan"},
      {"adam epsilon 0", [](Config& c) { c.adam_eps = 0; }, "adam epsilon must be a finite number in (0, 1], got 0"},
      {"weight decay above 1", [](Config& c) { c.weight_decay = 2; }, "weight decay must be in [0, 1], got 2"},
      {"negative lr decay", [](Config& c) { c.lr_decay = -1; }, "learning-rate decay must be in [0, 1], got -1"},
      {"ff theta huge", [](Config& c) { c.ff_theta = 1e7; }, "ff theta must be a finite number with |theta| <= 1e6, got 1e+07"},
      {"ff theta NaN", [=](Config& c) { c.ff_theta = nan; }, "ff theta must be a finite number"},
      {"ff negatives", [](Config& c) { c.ff_negatives = "all"; }, "unknown ff negatives 'all'; expected one of: random, hard"},
      {"ff schedule", [](Config& c) { c.ff_schedule = "x"; }, "unknown ff schedule 'x'; expected one of: together, greedy"},
      {"ff peer norm", [](Config& c) { c.ff_peer_norm = 101; }, "ff peer normalisation must be in [0, 100], got 101"},
      {"readout lr", [](Config& c) { c.readout_lr = 0; }, "readout learning rate must be a finite number in (0, 10], got 0"},
      {"tangents above 1024", [](Config& c) { c.fg_tangents = 1025; }, "forward-gradient tangents must be in 1..1024, got 1025"},
      {"groups 0", [](Config& c) { c.lg_groups = 0; }, "local-loss groups must be at least 1, got 0"},
  };
  for (const auto& k : cases) {
    INFO(k.what);
    Config c;
    k.set(c);
    CHECK_THAT(error_of(c), Catch::Contains(k.message));
  }
}

TEST_CASE("a network too large to train in memory is refused before anything is allocated", "[config]") {
  Config c;
  c.hidden = {16384, 16384};  // each width allowed, together 2^28 weights (4 GiB to train)
  CHECK_THAT(error_of(c), Catch::Contains("the network would have 281477130 weights (hidden layers 16384,16384); "
                                          "at most 33554432 fit in memory"));
  c.hidden = std::vector<int>(16, 1400);  // 16 layers of 1400: 30.5M weights, just under the bound
  CHECK(error_of(c).empty());
  c.hidden = {4000, 4000, 2000};  // the lead's largest Forward-Forward runs are well inside it
  CHECK(error_of(c).empty());
}
