// Backprop through the whole MLP against finite differences, and a short learning test.
#include <catch2/catch.hpp>

#include <memory>

#include "learn/backprop.h"
#include "learn/session.h"
#include "test_support.h"

using namespace fwdlab;

TEST_CASE("backprop gradients of the whole network match finite differences", "[backprop]") {
  Config config;
  config.hidden = {6, 5, 4};
  config.seed = 21;
  BackpropTrainer trainer(config, 8);
  Mlp& net = trainer.network();
  for (auto& layer : net.layers) {
    Rng brng(99);
    brng.fill_normal(layer.bias.value, 0.1f);  // non-zero biases exercise the bias path
  }
  Rng rng(22);
  Matrix x;
  std::vector<int> labels;
  test::random_batch(rng, 5, 8, x, labels);

  Mlp::Trace trace;
  Matrix probs, dlogits;
  net.forward(x, trace);
  softmax_cross_entropy(trace.logits(), labels, probs);
  softmax_cross_entropy_backward(probs, labels, dlogits);
  net.backward(trace, dlogits);

  auto loss = [&] {
    Matrix logits, p;
    net.logits(x, logits);
    return softmax_cross_entropy(logits, labels, p);
  };
  for (Param* p : net.parameters()) {
    INFO(p->name);
    CHECK(test::relative_error(p->grad, test::numerical_gradient(p->value, loss, 1e-3)) < 1e-2);
  }
}

TEST_CASE("backprop learns MNIST from 2,000 images", "[learning][backprop]") {
  const auto& mnist = test::mnist();
  Config config;
  config.rule = "bp";
  config.hidden = {128};
  config.batch = 32;
  config.lr = 2e-3;
  config.epochs = 2;
  config.train_limit = 2000;
  config.test_limit = 1000;
  Session session(config, std::make_shared<const Dataset>(mnist.train), std::make_shared<const Dataset>(mnist.test));
  while (!session.finished()) session.step();
  const Evaluation e = session.evaluate();
  CHECK(e.count == 1000);
  CHECK(e.accuracy > 0.85);
}
