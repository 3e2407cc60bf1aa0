// Forward-Forward (rules ff and ff-unsup): local gradients, labels, hybrid negatives, learning.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <memory>

#include "learn/forward_forward.h"
#include "learn/hybrid_negatives.h"
#include "learn/session.h"
#include "test_support.h"

using namespace fwdlab;
using fwdlab::test::numerical_gradient;
using fwdlab::test::relative_error;

namespace {

Config small_ff_config(const std::string& rule = "ff") {
  Config c;
  c.rule = rule;
  c.hidden = {12, 8, 6};
  c.seed = 7;
  return c;
}

// Rows [0, B) of x with the true label, rows [B, 2B) with a wrong one: one layer's FF batch.
Matrix stacked_pairs(const Matrix& x, const std::vector<int>& labels, Rng& rng) {
  std::vector<int> wrong;
  ForwardForwardTrainer::random_wrong_labels(rng, labels, wrong);
  Matrix pos, neg, out(2 * x.rows(), x.cols());
  ForwardForwardTrainer::embed_labels(x, labels, pos);
  ForwardForwardTrainer::embed_labels(x, wrong, neg);
  out << pos, neg;
  return out;
}

// A synthetic 10-class task: class prototypes in pixels 10.., plus noise.
void synthetic_batch(Rng& rng, const Matrix& prototypes, int rows, Matrix& x, std::vector<int>& labels) {
  x.resize(rows, prototypes.cols());
  labels.resize(rows);
  for (int i = 0; i < rows; ++i) {
    labels[i] = static_cast<int>(rng.below(10));
    for (int j = 0; j < x.cols(); ++j) x(i, j) = std::clamp(prototypes(labels[i], j) + 0.2f * rng.normal(), 0.0f, 1.0f);
  }
}

}  // namespace

TEST_CASE("ff: each layer's loss gradient matches finite differences", "[ff]") {
  for (const char* goodness : {"sum", "mean"}) {
    for (double peer : {0.0, 2.0}) {
      for (const char* norm : {"length", "rms"}) {
        Config c = small_ff_config();
        c.ff_goodness = goodness;
        c.ff_norm = norm;
        c.ff_peer_norm = peer;
        // theta near the initial goodness keeps the logistic loss away from saturation.
        const bool rms = std::string(norm) == "rms";
        c.ff_theta = std::string(goodness) == "mean" ? (rms ? 1.0 : 0.05) : (rms ? 8.0 : 0.5);
        ForwardForwardTrainer ff(c, 24);
        Rng rng(3);
        Matrix x;
        std::vector<int> labels;
        test::random_batch(rng, 5, 24, x, labels);
        const Matrix stacked = stacked_pairs(x, labels, rng);
        ForwardForwardTrainer::Trace trace;
        ff.forward(stacked, trace);
        for (int l = 0; l < 3; ++l) {
          INFO("goodness " << goodness << ", peer " << peer << ", norm " << norm << ", layer " << l + 1);
          const Matrix& input = trace.normalized[l];
          Dense& layer = ff.layers()[l];
          const double loss = ff.layer_objective(l, input, 5);
          REQUIRE(std::isfinite(loss));
          const Matrix dw = layer.weight.grad, db = layer.bias.grad;
          auto objective = [&] { return ff.layer_objective(l, input, 5); };
          const Matrix nw = numerical_gradient(layer.weight.value, objective, 1e-2);
          const Matrix nb = numerical_gradient(layer.bias.value, objective, 1e-2);
          CHECK(relative_error(dw, nw) < 2e-2);
          CHECK(relative_error(db, nb) < 2e-2);
        }
      }
    }
  }
}

TEST_CASE("ff: the label embedding and the neutral label are exact", "[ff]") {
  Rng rng(11);
  Matrix x;
  std::vector<int> labels;
  test::random_batch(rng, 20, 30, x, labels);
  Matrix embedded, neutral;
  ForwardForwardTrainer::embed_labels(x, labels, embedded);
  ForwardForwardTrainer::embed_neutral(x, neutral);
  for (int i = 0; i < 20; ++i) {
    const float top = x.row(i).maxCoeff();
    for (int c = 0; c < 10; ++c) {
      CHECK(embedded(i, c) == (c == labels[i] ? top : 0.0f));
      CHECK(neutral(i, c) == 0.1f);
    }
    CHECK(embedded.row(i).tail(20) == x.row(i).tail(20));
    CHECK(neutral.row(i).tail(20) == x.row(i).tail(20));
  }
}

TEST_CASE("ff: a negative never carries the true label", "[ff]") {
  Rng rng(5);
  std::vector<int> labels(5000), wrong;
  for (auto& y : labels) y = static_cast<int>(rng.below(10));

  SECTION("random: uniform over the nine wrong labels") {
    ForwardForwardTrainer::random_wrong_labels(rng, labels, wrong);
    std::vector<int> offset_counts(10, 0);
    for (std::size_t i = 0; i < labels.size(); ++i) {
      REQUIRE(wrong[i] != labels[i]);
      REQUIRE(wrong[i] >= 0);
      REQUIRE(wrong[i] < 10);
      ++offset_counts[(wrong[i] - labels[i] + 10) % 10];
    }
    CHECK(offset_counts[0] == 0);
    for (int k = 1; k < 10; ++k) CHECK(std::abs(offset_counts[k] - 5000 / 9) < 120);
  }

  SECTION("hard: drawn from the model's preference among the wrong labels") {
    Matrix scores(static_cast<int>(labels.size()), 10);
    rng.fill_normal(scores, 3.0f);
    for (std::size_t i = 0; i < labels.size(); ++i) scores(i, labels[i]) += 50.0f;  // true label dominates
    ForwardForwardTrainer::hard_wrong_labels(rng, labels, scores, wrong);
    int picked_best_wrong = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) {
      REQUIRE(wrong[i] != labels[i]);
      REQUIRE(wrong[i] >= 0);
      REQUIRE(wrong[i] < 10);
      int best = -1;
      for (int c = 0; c < 10; ++c)
        if (c != labels[i] && (best < 0 || scores(i, c) > scores(i, best))) best = c;
      picked_best_wrong += wrong[i] == best;
    }
    CHECK(picked_best_wrong > 0.5 * labels.size());  // far above the 1/9 of a uniform draw

    // Degenerate scores (all equal, or infinite) still give wrong labels.
    Matrix flat = Matrix::Zero(static_cast<int>(labels.size()), 10);
    ForwardForwardTrainer::hard_wrong_labels(rng, labels, flat, wrong);
    for (std::size_t i = 0; i < labels.size(); ++i) REQUIRE(wrong[i] != labels[i]);
    flat.setConstant(std::numeric_limits<float>::infinity());
    ForwardForwardTrainer::hard_wrong_labels(rng, labels, flat, wrong);
    for (std::size_t i = 0; i < labels.size(); ++i) REQUIRE(wrong[i] != labels[i]);
  }

  SECTION("hard negatives from a real model") {
    Config c = small_ff_config();
    c.ff_negatives = "hard";
    ForwardForwardTrainer ff(c, 24);
    Matrix x, scores;
    std::vector<int> y;
    test::random_batch(rng, 64, 24, x, y);
    for (int step = 0; step < 5; ++step) ff.train_step(x, y);
    ff.predict_scores(x, scores);
    for (int draw = 0; draw < 50; ++draw) {
      ForwardForwardTrainer::hard_wrong_labels(rng, y, scores, wrong);
      for (std::size_t i = 0; i < y.size(); ++i) REQUIRE(wrong[i] != y[i]);
    }
  }
}

TEST_CASE("ff: prediction (a) is the argmax of the reported per-label goodness", "[ff]") {
  Config c = small_ff_config();
  ForwardForwardTrainer ff(c, 24);
  Rng rng(9);
  Matrix x, scores;
  std::vector<int> labels;
  test::random_batch(rng, 32, 24, x, labels);
  for (int step = 0; step < 10; ++step) ff.train_step(x, labels);

  std::vector<Matrix> goodness;
  ff.label_goodness(x, goodness);
  REQUIRE(goodness.size() == 3);
  ff.predict_scores(x, scores);
  REQUIRE(ff.goodness_layers() == std::vector<int>{1, 2});  // all hidden layers but the first
  const Matrix summed = goodness[1] + goodness[2];
  CHECK(scores == summed);
  CHECK(argmax_rows(scores) == argmax_rows(summed));

  // Entry (i, c) of layer l is the sum of squares of layer l's activities with label c embedded.
  ForwardForwardTrainer::Trace trace;
  Matrix embedded;
  for (int label : {0, 3, 9}) {
    ForwardForwardTrainer::embed_labels(x, std::vector<int>(32, label), embedded);
    ff.forward(embedded, trace);
    for (int l = 0; l < 3; ++l) {
      const ColumnVector expected = trace.activities[l].rowwise().squaredNorm();
      CHECK((goodness[l].col(label) - expected).cwiseAbs().maxCoeff() <= 1e-5f * (1 + expected.maxCoeff()));
    }
  }

  // A single hidden layer is its own goodness layer.
  c.hidden = {16};
  ForwardForwardTrainer single(c, 24);
  CHECK(single.goodness_layers() == std::vector<int>{0});
}

TEST_CASE("ff: training separates positive from negative goodness", "[ff]") {
  Config c;
  c.rule = "ff";
  c.hidden = {64, 64};
  c.lr = 3e-3;
  c.ff_goodness = "mean";
  c.ff_norm = "rms";
  c.ff_theta = 1.0;
  ForwardForwardTrainer ff(c, 40);
  Rng rng(21);
  Matrix prototypes(10, 40);
  rng.fill_uniform(prototypes, 0.0f, 1.0f);
  Matrix x;
  std::vector<int> labels;
  auto separation = [&](const StepMetrics& m, int layer) {
    return m.figures.at("layer" + std::to_string(layer) + ".separation");
  };
  double first[2] = {0, 0}, last[2] = {0, 0};
  constexpr int kSteps = 300, kWindow = 20;
  for (int step = 0; step < kSteps; ++step) {
    synthetic_batch(rng, prototypes, 32, x, labels);
    const StepMetrics m = ff.train_step(x, labels);
    for (const char* name : {"layer1.goodness_pos", "layer1.goodness_neg", "layer1.loss", "layer2.separation",
                             "readout.loss"})
      REQUIRE(m.figures.count(name) == 1);
    for (int l = 0; l < 2; ++l) {
      if (step < kWindow) first[l] += separation(m, l + 1) / kWindow;
      if (step >= kSteps - kWindow) last[l] += separation(m, l + 1) / kWindow;
    }
  }
  for (int l = 0; l < 2; ++l) {
    INFO("layer " << l + 1 << ": separation " << first[l] << " -> " << last[l]);
    CHECK(last[l] > first[l] + 0.2);
    CHECK(last[l] > 0.9);
  }
}

TEST_CASE("ff: hybrid masks are binary, smooth blobs", "[ff]") {
  Rng rng(13);
  Matrix masks, scratch;
  make_hybrid_masks(rng, 200, 28, 28, kHybridBlurPasses, masks, scratch);
  REQUIRE(masks.rows() == 200);
  REQUIRE(masks.cols() == 784);
  CHECK(((masks.array() == 0.0f) || (masks.array() == 1.0f)).all());
  const double ones = masks.mean();
  CHECK(ones > 0.3);
  CHECK(ones < 0.7);
  auto agreement = [&](int dr, int dc) {
    long agree = 0, total = 0;
    for (int i = 0; i < masks.rows(); ++i)
      for (int r = 0; r + dr < 28; ++r)
        for (int col = 0; col + dc < 28; ++col) {
          agree += masks(i, r * 28 + col) == masks(i, (r + dr) * 28 + col + dc);
          ++total;
        }
    return static_cast<double>(agree) / total;
  };
  const double near_h = agreement(0, 1), near_v = agreement(1, 0), far = agreement(0, 14), far_v = agreement(14, 0);
  INFO("neighbours agree " << near_h << " / " << near_v << ", distant " << far << " / " << far_v);
  CHECK(near_h > 0.85);
  CHECK(near_v > 0.85);
  CHECK(near_h > far + 0.25);
  CHECK(near_v > far_v + 0.25);

  // A hybrid takes every pixel from one of two different digits.
  Matrix x, negatives;
  std::vector<int> labels;
  test::random_batch(rng, 8, 784, x, labels);
  make_hybrid_negatives(rng, x, 28, 28, negatives, masks, scratch);
  for (int i = 0; i < 8; ++i) {
    int other = -1;
    for (int j = 0; j < 8; ++j)
      if (j != i && ((masks.row(i).array() == 0.0f).select(x.row(j).array() - negatives.row(i).array(), 0.0f) == 0.0f).all())
        other = j;
    CHECK(other >= 0);
    CHECK(((masks.row(i).array() == 1.0f).select(x.row(i).array() - negatives.row(i).array(), 0.0f) == 0.0f).all());
  }
}

TEST_CASE("ff-unsup: a step reports per-layer figures and the readout", "[ff]") {
  Config c = small_ff_config("ff-unsup");
  c.hidden = {16, 16, 16, 16};
  ForwardForwardTrainer ff(c, 784);
  CHECK(ff.readout_layers() == std::vector<int>{1, 2, 3});
  Rng rng(4);
  Matrix x, scores;
  std::vector<int> labels;
  test::random_batch(rng, 16, 784, x, labels);
  const StepMetrics m = ff.train_step(x, labels);
  for (int l = 1; l <= 4; ++l) CHECK(m.figures.count("layer" + std::to_string(l) + ".separation") == 1);
  CHECK(m.figures.count("readout.loss") == 1);
  ff.predict_scores(x, scores);
  CHECK(scores.rows() == 16);
  CHECK(scores.cols() == 10);
  c.hidden = {16, 16};
  CHECK(ForwardForwardTrainer(c, 784).readout_layers() == std::vector<int>{0, 1});
}

TEST_CASE("ff: the same seed gives a bit-identical run", "[ff]") {
  for (const char* rule : {"ff", "ff-unsup"}) {
    for (const char* negatives : {"random", "hard"}) {
      Config c = small_ff_config(rule);
      c.ff_negatives = negatives;
      c.ff_peer_norm = 0.03;
      ForwardForwardTrainer a(c, 784), b(c, 784);
      Rng rng(8);
      Matrix x;
      std::vector<int> labels;
      for (int step = 0; step < 4; ++step) {
        test::random_batch(rng, 10, 784, x, labels);
        a.train_step(x, labels);
        b.train_step(x, labels);
      }
      const auto pa = a.parameters(), pb = b.parameters();
      REQUIRE(pa.size() == pb.size());
      for (std::size_t i = 0; i < pa.size(); ++i) CHECK(pa[i]->value == pb[i]->value);
    }
  }
}

TEST_CASE("ff: greedy schedule trains one layer at a time", "[ff]") {
  Config c = small_ff_config();
  c.ff_schedule = "greedy";
  c.epochs = 3;
  ForwardForwardTrainer ff(c, 24);
  Rng rng(2);
  Matrix x;
  std::vector<int> labels;
  test::random_batch(rng, 8, 24, x, labels);
  for (int epoch = 0; epoch < 3; ++epoch) {
    ff.begin_epoch(epoch);
    const Matrix before0 = ff.layers()[0].weight.value, before2 = ff.layers()[2].weight.value;
    const StepMetrics m = ff.train_step(x, labels);
    CHECK(m.figures.count("layer" + std::to_string(epoch + 1) + ".loss") == 1);
    CHECK(m.figures.size() == 5);  // one layer's four figures and the readout's loss
    CHECK((ff.layers()[0].weight.value != before0) == (epoch == 0));
    CHECK((ff.layers()[2].weight.value != before2) == (epoch == 2));
  }
}

TEST_CASE("ff learns MNIST: 2,000 training images, over 80% on 1,000 test images", "[ff][learning]") {
  const DataSplit& data = test::mnist();
  Config c;
  c.rule = "ff";
  c.hidden = {256, 256};
  c.epochs = 4;
  c.batch = 50;
  c.train_limit = 2000;
  c.test_limit = 1000;
  c.lr = 3e-3;  // a short run: mean goodness with theta 1 learns fastest at first
  c.ff_goodness = "mean";
  c.ff_norm = "rms";
  c.ff_theta = 1.0;
  c.ff_negatives = "hard";
  Session session(c, std::make_shared<const Dataset>(data.train), std::make_shared<const Dataset>(data.test));
  while (!session.finished()) session.step();
  const Evaluation e = session.evaluate();
  INFO("goodness accuracy " << e.figures.at("accuracy_goodness") << ", softmax accuracy "
                            << e.figures.at("accuracy_softmax"));
  CHECK(e.count == 1000);
  CHECK(e.accuracy == e.figures.at("accuracy_goodness"));
  CHECK(e.accuracy > 0.80);
}
