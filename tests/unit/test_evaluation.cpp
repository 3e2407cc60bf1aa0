// Evaluation: the per-example predictions it returns are the ones its accuracy counts, and they
// are the argmax of predict_scores (the scores a drawn digit or a confusion matrix would use).
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <numeric>

#include "learn/session.h"
#include "test_support.h"

using namespace fwdlab;

namespace {

// A session on the first 1,000 training images and the first 1,100 test images: 1,100 is not a
// multiple of evaluate_scores' chunk of 500, so the last, partial chunk is covered.
Session short_session(const std::string& rule, const std::vector<int>& hidden) {
  const auto& mnist = test::mnist();
  Config c;
  c.rule = rule;
  c.hidden = hidden;
  c.batch = 50;
  c.train_limit = 1000;
  c.test_limit = 1100;
  c.seed = 3;
  if (rule == "ff" || rule == "ff-unsup") {
    c.ff_norm = "rms";
    c.ff_theta = 2.0 * hidden[0];
  }
  return Session(c, std::make_shared<const Dataset>(mnist.train), std::make_shared<const Dataset>(mnist.test));
}

}  // namespace

TEST_CASE("evaluate returns the predicted label of every example, consistent with its accuracy", "[evaluation]") {
  const auto& test_set = test::mnist().test;
  for (const auto& [rule, hidden] : std::vector<std::pair<std::string, std::vector<int>>>{
           {"bp", {32}}, {"ff", {40, 40}}, {"ff-unsup", {30, 30, 30}}, {"fga", {32}}, {"lg-fga", {32}}}) {
    INFO("rule " << rule);
    Session s = short_session(rule, hidden);
    for (int i = 0; i < 10; ++i) s.step();
    const Evaluation e = s.evaluate();
    REQUIRE(e.count == 1100);
    REQUIRE(e.predicted.size() == 1100u);

    // The accuracy is the fraction of predictions equal to the true label.
    int correct = 0;
    for (int i = 0; i < e.count; ++i) {
      REQUIRE(e.predicted[i] < 10);
      correct += e.predicted[i] == test_set.labels[i];
    }
    CHECK(e.accuracy == Approx(static_cast<double>(correct) / e.count).epsilon(1e-12));

    // Each prediction is the argmax of predict_scores on that image (for FF: the goodness of
    // each label, prediction (a); for ff-unsup: the readout), here predicted 100 images at a
    // time. Other batch shapes may round differently in the last bits, so a disagreement is
    // allowed only where the two best scores tie to float precision.
    int disagree = 0;
    for (int start = 0; start < e.count; start += 100) {
      std::vector<int> indices(100), labels;
      std::iota(indices.begin(), indices.end(), start);
      Matrix x, scores;
      gather_batch(test_set, indices.data(), 100, x, labels);
      s.trainer().predict_scores(x, scores);
      const std::vector<int> argmax = argmax_rows(scores);
      for (int i = 0; i < 100; ++i) {
        if (argmax[i] == e.predicted[start + i]) continue;
        const float a = scores(i, argmax[i]), b = scores(i, e.predicted[start + i]);
        INFO("image " << start + i << ": scores " << a << " vs " << b);
        CHECK(std::abs(a - b) <= 1e-5f * (1 + std::abs(a)));
        ++disagree;
      }
    }
    CHECK(disagree <= 2);

    // A limit evaluates (and predicts) only the first examples.
    const Evaluation first = s.trainer().evaluate(test_set, 300);
    REQUIRE(first.predicted.size() == 300u);
    CHECK(std::equal(first.predicted.begin(), first.predicted.end(), e.predicted.begin()));
  }
}
