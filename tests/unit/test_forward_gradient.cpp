// Forward-mode differentiation and the forward-gradient rules (fgw, fga, lg-fgw, lg-fga, lg-bp)
// against independent references: central finite differences, backprop, and the variance
// formulas of Ren et al. (2023), Table 1.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <memory>

#include "core/forward_mode.h"
#include "learn/forward_gradient.h"
#include "learn/local_losses.h"
#include "learn/session.h"
#include "test_support.h"

using namespace fwdlab;

namespace {

// Central difference of a scalar function along a direction: (f(+h) - f(-h)) / 2h.
double central_difference(const std::function<double(double)>& f, double h = 1e-3) {
  return (f(h) - f(-h)) / (2 * h);
}

// Central difference of a matrix-valued function along a direction, entry by entry.
Matrix central_difference_matrix(const std::function<Matrix(float)>& f, float h = 1e-3f) {
  return (f(h) - f(-h)) / (2 * h);
}

Matrix random_matrix(Rng& rng, int rows, int cols, float stddev = 1.0f) {
  Matrix m(rows, cols);
  rng.fill_normal(m, stddev);
  return m;
}

double relative_difference(double a, double b) { return std::fabs(a - b) / std::max(1e-6, std::fabs(b)); }

// Squared distance between the current grads of `params` and `reference`, summed over tensors.
double squared_error(const std::vector<Param*>& params, const std::vector<Matrix>& reference) {
  double sum = 0;
  for (std::size_t j = 0; j < params.size(); ++j) sum += (params[j]->grad - reference[j]).cast<double>().squaredNorm();
  return sum;
}

double squared_norm(const std::vector<Matrix>& tensors) {
  double sum = 0;
  for (const auto& m : tensors) sum += m.cast<double>().squaredNorm();
  return sum;
}

std::vector<Matrix> grads_of(const std::vector<Param*>& params) {
  std::vector<Matrix> out;
  for (const Param* p : params) out.push_back(p->grad);
  return out;
}

double cosine_to(const std::vector<Param*>& params, const std::vector<Matrix>& reference) {
  CosineAccumulator c;
  for (std::size_t j = 0; j < params.size(); ++j) c.add(params[j]->grad, reference[j]);
  return c.value();
}

Config small_config(const std::string& rule, std::vector<int> hidden, int tangents = 1) {
  Config config;
  config.rule = rule;
  config.hidden = std::move(hidden);
  config.seed = 7;
  config.fg_tangents = tangents;
  return config;
}

// Makes a network's biases non-zero so the bias tangents are exercised.
void randomise_biases(std::vector<Param*> params, std::uint64_t seed) {
  Rng rng(seed);
  for (Param* p : params) {
    if (p->value.rows() == 1) rng.fill_normal(p->value, 0.1f);
  }
}

}  // namespace

// --- jvp of every layer -------------------------------------------------------------------------

TEST_CASE("fg: dense jvp matches central differences in a random direction", "[fg]") {
  Rng rng(1);
  Dense layer("d", 7, 5);
  layer.init_he(rng);
  rng.fill_normal(layer.bias.value, 0.3f);
  const Matrix x = random_matrix(rng, 4, 7), x_dot = random_matrix(rng, 4, 7);
  DenseTangent v{random_matrix(rng, 7, 5), random_matrix(rng, 1, 5)};

  Matrix z, z_dot;
  dense_jvp(layer, x, &x_dot, &v, z, z_dot);
  const Matrix numeric = central_difference_matrix([&](float h) {
    Dense moved = layer;
    moved.weight.value += h * v.weight;
    moved.bias.value += h * v.bias;
    Matrix out;
    moved.forward(x + h * x_dot, out);
    return out;
  });
  CHECK(test::relative_error(z_dot, numeric) < 1e-2);

  // Null tangents mean zero: only the weight tangent, only the input tangent.
  Matrix only_v, only_x;
  dense_tangent(layer, x, nullptr, &v, only_v);
  dense_tangent(layer, x, &x_dot, nullptr, only_x);
  CHECK(test::relative_error(only_v + only_x, z_dot) < 1e-5);
}

TEST_CASE("fg: relu jvp matches central differences away from the kink", "[fg]") {
  Rng rng(2);
  Matrix z = random_matrix(rng, 6, 9);
  for (Eigen::Index i = 0; i < z.size(); ++i) {
    if (std::fabs(z.data()[i]) < 0.05f) z.data()[i] = 0.05f;  // keep h = 1e-3 off the kink
  }
  const Matrix z_dot = random_matrix(rng, 6, 9);
  Matrix h, h_dot;
  relu_jvp(z, z_dot, h, h_dot);
  const Matrix numeric = central_difference_matrix([&](float e) {
    Matrix out;
    relu_forward(z + e * z_dot, out);
    return out;
  });
  CHECK(test::relative_error(h_dot, numeric) < 1e-2);
}

TEST_CASE("fg: normalisation jvp matches central differences", "[fg]") {
  for (NormKind kind : {NormKind::Length, NormKind::Rms}) {
    Rng rng(3);
    const Matrix x = random_matrix(rng, 5, 8), x_dot = random_matrix(rng, 5, 8);
    Matrix y, y_dot;
    normalize_rows_jvp(x, kind, x_dot, y, y_dot);
    const Matrix numeric = central_difference_matrix([&](float e) {
      Matrix out;
      normalize_rows(x + e * x_dot, kind, out);
      return out;
    });
    CHECK(test::relative_error(y_dot, numeric) < 1e-2);
    // Its transpose is normalize_rows_backward: <J x_dot, w> = <x_dot, J^T w>.
    const Matrix w = random_matrix(rng, 5, 8);
    Matrix back;
    normalize_rows_backward(x, kind, w, back);
    CHECK(relative_difference((y_dot.array() * w.array()).sum(), (x_dot.array() * back.array()).sum()) < 1e-4);
  }
}

TEST_CASE("fg: softmax cross-entropy jvp matches central differences", "[fg]") {
  Rng rng(4);
  const Matrix z = random_matrix(rng, 6, 10, 2.0f), z_dot = random_matrix(rng, 6, 10);
  std::vector<int> labels = {0, 3, 9, 2, 2, 7};
  Matrix probs;
  double loss_dot = 0;
  const double loss = softmax_cross_entropy_jvp(z, z_dot, labels, probs, &loss_dot);
  Matrix p;
  CHECK(loss == Approx(softmax_cross_entropy(z, labels, p)));
  const double numeric = central_difference([&](double e) {
    Matrix q;
    return softmax_cross_entropy(z + static_cast<float>(e) * z_dot, labels, q);
  });
  CHECK(relative_difference(loss_dot, numeric) < 1e-2);
  ColumnVector d;
  softmax_cross_entropy_tangent_rows(probs, labels, z_dot, d);
  CHECK(relative_difference(d.cast<double>().sum(), loss_dot) < 1e-5);
}

TEST_CASE("fg: fast normal samples have mean 0 and variance 1", "[fg]") {
  Rng rng(5);
  Matrix m(301, 333);  // odd size: the last pair is cut
  fill_standard_normal(rng, m);
  const double mean = m.cast<double>().mean();
  const double var = (m.cast<double>().array() - mean).square().mean();
  const double kurtosis = (m.cast<double>().array() - mean).pow(4).mean() / (var * var);
  CHECK(std::fabs(mean) < 0.01);
  CHECK(std::fabs(var - 1) < 0.01);
  CHECK(std::fabs(kurtosis - 3) < 0.05);
  CHECK(m.allFinite());
}

// --- jvp of the whole network -------------------------------------------------------------------

TEST_CASE("fg: the network's weight jvp matches central differences", "[fg]") {
  ForwardGradientTrainer trainer(small_config("fgw", {6, 5}), 8, ForwardGradientTrainer::Perturbation::Weights);
  Mlp& net = trainer.network();
  randomise_biases(net.parameters(), 9);
  Rng rng(10);
  Matrix x;
  std::vector<int> labels;
  test::random_batch(rng, 5, 8, x, labels);
  for (int trial = 0; trial < 3; ++trial) {
    std::vector<DenseTangent> v;
    for (const auto& layer : net.layers) {
      v.push_back({random_matrix(rng, layer.in(), layer.out()), random_matrix(rng, 1, layer.out())});
    }
    MlpJvp jvp;
    const double loss = jvp.forward(net, x, labels);
    const double loss_dot = jvp.weight_tangent(net, v);
    const double numeric = central_difference([&](double e) {
      Mlp moved = net;
      for (std::size_t l = 0; l < net.layers.size(); ++l) {
        moved.layers[l].weight.value += static_cast<float>(e) * v[l].weight;
        moved.layers[l].bias.value += static_cast<float>(e) * v[l].bias;
      }
      Matrix logits, p;
      moved.logits(x, logits);
      return softmax_cross_entropy(logits, labels, p);
    });
    CHECK(std::isfinite(loss));
    CHECK(relative_difference(loss_dot, numeric) < 1e-2);
  }
}

TEST_CASE("fg: the network's activity jvp matches central differences per example", "[fg]") {
  ForwardGradientTrainer trainer(small_config("fga", {6, 5}), 8, ForwardGradientTrainer::Perturbation::Activities);
  Mlp& net = trainer.network();
  randomise_biases(net.parameters(), 11);
  Rng rng(12);
  Matrix x;
  std::vector<int> labels;
  test::random_batch(rng, 4, 8, x, labels);
  MlpJvp jvp;
  jvp.forward(net, x, labels);
  for (int layer = 0; layer < 3; ++layer) {
    const Matrix u = random_matrix(rng, 4, net.layers[layer].out());
    ColumnVector d;
    jvp.activity_tangent(net, layer, u, d);
    for (int example = 0; example < 4; ++example) {
      // Move only this example's pre-activation of this layer: the change of the mean loss.
      const double numeric = central_difference([&](double e) {
        Matrix h = x, z;
        for (int l = 0; l < 3; ++l) {
          net.layers[l].forward(h, z);
          if (l == layer) z.row(example) += static_cast<float>(e) * u.row(example);
          if (l < 2) relu_forward(z, h);
        }
        Matrix p;
        return softmax_cross_entropy(z, labels, p);
      });
      INFO("layer " << layer << " example " << example);
      CHECK(std::fabs(d(example) - numeric) < 1e-2 * std::max(1e-3, std::fabs(numeric)) + 1e-5);
    }
  }
}

// --- unbiasedness -------------------------------------------------------------------------------

namespace {

// Error and cosine of the mean of K estimates against the true gradient, for K = 16 and 256
// (FG-A) or 64 and 1024 (FG-W, whose variance is larger by the parameter count).
template <typename MakeTrainer>
void check_converges_to_true_gradient(MakeTrainer make, int k_small, double min_cosine_large) {
  Rng rng(13);
  Matrix x;
  std::vector<int> labels;
  test::random_batch(rng, 16, 12, x, labels);

  auto reference = make(1);
  reference->true_gradient(x, labels);
  const auto truth = grads_of(reference->parameters());
  const double truth_norm = std::sqrt(squared_norm(truth));

  double error[2], cosine[2];
  const int ks[2] = {k_small, 16 * k_small};
  for (int i = 0; i < 2; ++i) {
    auto trainer = make(ks[i]);
    trainer->estimate_gradient(x, labels);
    error[i] = std::sqrt(squared_error(trainer->parameters(), truth)) / truth_norm;
    cosine[i] = cosine_to(trainer->parameters(), truth);
  }
  INFO("K=" << ks[0] << ": error " << error[0] << " cosine " << cosine[0] << ";  K=" << ks[1] << ": error "
            << error[1] << " cosine " << cosine[1]);
  // 16x the tangents: the error falls by about sqrt(16) = 4 and the cosine rises towards 1.
  CHECK(error[0] / error[1] > 2.5);
  CHECK(error[0] / error[1] < 6.5);
  CHECK(cosine[1] > cosine[0]);
  CHECK(cosine[1] > min_cosine_large);
}

}  // namespace

TEST_CASE("fg: the mean of K FG-W estimates converges to the backprop gradient", "[fg]") {
  check_converges_to_true_gradient(
      [](int k) {
        return std::make_unique<ForwardGradientTrainer>(small_config("fgw", {10}, k), 12,
                                                        ForwardGradientTrainer::Perturbation::Weights);
      },
      128, 0.9);  // 240 parameters: relative error^2 ~ 241/K
}

TEST_CASE("fg: the mean of K FG-A estimates converges to the backprop gradient", "[fg]") {
  for (bool skip_inactive : {true, false}) {
    INFO("skip inactive " << skip_inactive);
    check_converges_to_true_gradient(
        [skip_inactive](int k) {
          Config config = small_config("fga", {10, 8}, k);
          config.fga_skip_inactive = skip_inactive;
          return std::make_unique<ForwardGradientTrainer>(config, 12, ForwardGradientTrainer::Perturbation::Activities);
        },
        16, 0.95);
  }
}

TEST_CASE("fg: LG-FG-A and LG-FG-W converge to the local-loss gradient", "[fg]") {
  for (auto estimator : {LocalLossTrainer::Estimator::ActivityPerturbation,
                         LocalLossTrainer::Estimator::WeightPerturbation}) {
    const bool weights = estimator == LocalLossTrainer::Estimator::WeightPerturbation;
    INFO((weights ? "lg-fgw" : "lg-fga"));
    check_converges_to_true_gradient(
        [estimator](int k) {
          Config config = small_config("lg-fga", {8, 6}, k);
          config.lg_groups = 2;
          return std::make_unique<LocalLossTrainer>(config, 12, estimator);
        },
        weights ? 128 : 16, 0.9);
  }
}

// --- variance: activity against weight perturbation ---------------------------------------------

TEST_CASE("fg: one FG-A estimate beats one FG-W estimate by the factor Ren et al. predict", "[fg]") {
  // A 784-32-10 MLP on 16 real MNIST images. For a Gaussian direction the expected squared error
  // of one estimate is exactly
  //   FG-W:  (n + 1) |g|^2                                  n = number of parameters
  //   FG-A:  sum_layers sum_i (q_i + 1) (|x_i|^2 + 1) |g_z,i|^2   q_i = perturbed units of example i,
  //          x_i = layer input, g_z,i = dL/dz_i (independent per-example perturbations),
  // i.e. Ren et al.'s Table 1 with fan-out q in place of the pq weights: a ratio of about the fan-in.
  const auto& mnist = test::mnist();
  std::vector<int> indices(16);
  for (int i = 0; i < 16; ++i) indices[i] = i;
  Matrix x;
  std::vector<int> labels;
  gather_batch(mnist.train, indices.data(), 16, x, labels);

  auto fgw = std::make_unique<ForwardGradientTrainer>(small_config("fgw", {32}), 784,
                                                      ForwardGradientTrainer::Perturbation::Weights);
  auto fga = std::make_unique<ForwardGradientTrainer>(small_config("fga", {32}), 784,
                                                      ForwardGradientTrainer::Perturbation::Activities);
  fga->true_gradient(x, labels);
  const auto truth = grads_of(fga->parameters());
  const double g2 = squared_norm(truth);

  // Predictions from the per-example gradients dL/dz of each layer (by hand, as in backprop).
  const Mlp& net = fga->network();
  Mlp::Trace trace;
  net.forward(x, trace);
  Matrix probs, dz_top, dh, dz_hidden;
  softmax_cross_entropy(trace.logits(), labels, probs);
  softmax_cross_entropy_backward(probs, labels, dz_top);
  dh = dz_top * net.layers[1].weight.value.transpose();
  relu_backward(trace.pre[0], dh, dz_hidden);
  double predicted_a = 0;
  for (int i = 0; i < 16; ++i) {
    const double active = (trace.pre[0].row(i).array() > 0).count();  // skip-inactive: q_i = active units
    predicted_a += (active + 1) * (trace.inputs[0].row(i).squaredNorm() + 1) * dz_hidden.row(i).squaredNorm();
    predicted_a += (10 + 1) * (trace.inputs[1].row(i).squaredNorm() + 1) * dz_top.row(i).squaredNorm();
  }
  double n = 0;
  for (const auto& t : truth) n += static_cast<double>(t.size());
  const double predicted_w = (n + 1) * g2;

  constexpr int kTrials = 200;
  double mse_w = 0, mse_a = 0;
  for (int t = 0; t < kTrials; ++t) {
    fgw->estimate_gradient(x, labels);
    mse_w += squared_error(fgw->parameters(), truth) / kTrials;
    fga->estimate_gradient(x, labels);
    mse_a += squared_error(fga->parameters(), truth) / kTrials;
  }
  INFO("FG-W: measured " << mse_w / g2 << " |g|^2, predicted " << predicted_w / g2);
  INFO("FG-A: measured " << mse_a / g2 << " |g|^2, predicted " << predicted_a / g2);
  INFO("ratio: measured " << mse_w / mse_a << ", predicted " << predicted_w / predicted_a << ", fan-in 784");
  CHECK(mse_a < mse_w);
  CHECK(mse_w / predicted_w == Approx(1.0).margin(0.35));
  CHECK(mse_a / predicted_a == Approx(1.0).margin(0.2));
  CHECK(mse_w / mse_a > 0.5 * predicted_w / predicted_a);
  CHECK(mse_w / mse_a < 2.0 * predicted_w / predicted_a);
}

// --- local losses ---------------------------------------------------------------------------------

TEST_CASE("fg: no gradient or tangent crosses a local-loss block boundary", "[fg]") {
  Rng rng(14);
  Matrix x;
  std::vector<int> labels;
  test::random_batch(rng, 8, 12, x, labels);
  for (auto estimator : {LocalLossTrainer::Estimator::Backprop, LocalLossTrainer::Estimator::ActivityPerturbation,
                         LocalLossTrainer::Estimator::WeightPerturbation}) {
    INFO("estimator " << static_cast<int>(estimator));
    Config config = small_config("lg-fga", {8, 6, 4});
    config.lg_groups = 2;
    config.report_cosine = true;

    for (int k = 0; k + 1 < 3; ++k) {
      // Only block k+1's loss is active: block k does not change, block k+1 does.
      LocalLossTrainer only_next(config, 12, estimator);
      std::vector<bool> active(3, false);
      active[k + 1] = true;
      only_next.set_active_blocks(active);
      const auto before = only_next.block_parameters(k);
      std::vector<Matrix> saved_k, saved_next;
      for (Param* p : before) saved_k.push_back(p->value);
      for (Param* p : only_next.block_parameters(k + 1)) saved_next.push_back(p->value);
      for (int step = 0; step < 3; ++step) only_next.train_step(x, labels);
      const auto after_k = only_next.block_parameters(k);
      for (std::size_t j = 0; j < after_k.size(); ++j) CHECK(after_k[j]->value == saved_k[j]);
      const auto after_next = only_next.block_parameters(k + 1);
      for (std::size_t j = 0; j < after_next.size(); ++j) CHECK(after_next[j]->value != saved_next[j]);
    }

    // Block 0's updates are bit-identical whether or not the later blocks' losses are active.
    LocalLossTrainer all(config, 12, estimator), first_only(config, 12, estimator);
    first_only.set_active_blocks({true, false, false});
    for (int step = 0; step < 3; ++step) {
      all.train_step(x, labels);
      first_only.train_step(x, labels);
    }
    const auto a = all.block_parameters(0), b = first_only.block_parameters(0);
    for (std::size_t j = 0; j < a.size(); ++j) CHECK(a[j]->value == b[j]->value);
  }
}

TEST_CASE("fg: steps report the loss and, on request, the cosine to the true gradient", "[fg]") {
  Rng rng(15);
  Matrix x;
  std::vector<int> labels;
  test::random_batch(rng, 8, 12, x, labels);
  for (const char* rule : {"fgw", "fga", "lg-fgw", "lg-fga"}) {
    INFO(rule);
    Config config = small_config(rule, {8, 6});
    config.report_cosine = true;
    const bool local = std::string(rule).rfind("lg-", 0) == 0;
    std::unique_ptr<Trainer> trainer;
    if (local) {
      trainer = std::make_unique<LocalLossTrainer>(config, 12, std::string(rule) == "lg-fga"
                                                                   ? LocalLossTrainer::Estimator::ActivityPerturbation
                                                                   : LocalLossTrainer::Estimator::WeightPerturbation);
    } else {
      trainer = std::make_unique<ForwardGradientTrainer>(config, 12, std::string(rule) == "fga"
                                                                         ? ForwardGradientTrainer::Perturbation::Activities
                                                                         : ForwardGradientTrainer::Perturbation::Weights);
    }
    const StepMetrics m = trainer->train_step(x, labels);
    CHECK(m.loss > 1.0);
    CHECK(m.loss < 5.0);
    REQUIRE(m.figures.count("cosine") == 1);
    CHECK(m.figures.at("cosine") > -1.0);
    CHECK(m.figures.at("cosine") < 1.0);
    CHECK(m.figures.count("layer1.cosine") == 1);
    CHECK(m.figures.count("layer2.cosine") == 1);
  }
}

TEST_CASE("fg: the cosine report does not change the run", "[fg]") {
  Rng rng(16);
  Matrix x;
  std::vector<int> labels;
  test::random_batch(rng, 8, 12, x, labels);
  Config with = small_config("fga", {8}), without = with;
  with.report_cosine = true;
  ForwardGradientTrainer a(with, 12, ForwardGradientTrainer::Perturbation::Activities);
  ForwardGradientTrainer b(without, 12, ForwardGradientTrainer::Perturbation::Activities);
  for (int step = 0; step < 3; ++step) {
    a.train_step(x, labels);
    b.train_step(x, labels);
  }
  const auto pa = a.parameters(), pb = b.parameters();
  for (std::size_t j = 0; j < pa.size(); ++j) CHECK(pa[j]->value == pb[j]->value);
}

TEST_CASE("fg: the same seed gives a bit-identical run for every forward-gradient rule", "[fg]") {
  const auto& mnist = test::mnist();
  // Shared once: a Session only reads its data.
  const auto train = std::make_shared<const Dataset>(mnist.train.head(512));
  const auto test_set = std::make_shared<const Dataset>(mnist.test.head(100));
  auto weights_after = [&](const std::string& rule, std::uint64_t seed) {
    Config config = small_config(rule, {16, 8});
    config.lg_groups = 2;
    config.seed = seed;
    config.batch = 16;
    Session session(config, train, test_set);
    for (int i = 0; i < 20; ++i) session.step();
    std::vector<Matrix> weights;
    for (Param* p : session.trainer().parameters()) weights.push_back(p->value);
    return weights;
  };
  for (const char* rule : {"fgw", "fga", "lg-fgw", "lg-fga", "lg-bp"}) {
    INFO(rule);
    const auto a = weights_after(rule, 3), b = weights_after(rule, 3), c = weights_after(rule, 4);
    REQUIRE(a.size() == b.size());
    bool same = true, differs = false;
    for (std::size_t j = 0; j < a.size(); ++j) {
      same = same && a[j] == b[j];
      differs = differs || a[j] != c[j];
    }
    CHECK(same);
    CHECK(differs);
  }
}

// --- short learning tests ---------------------------------------------------------------------

namespace {

double learn_mnist(Config config) {
  const auto& mnist = test::mnist();
  config.train_limit = 2000;
  config.test_limit = 1000;
  Session session(config, std::make_shared<const Dataset>(mnist.train), std::make_shared<const Dataset>(mnist.test));
  while (!session.finished()) session.step();
  const Evaluation e = session.evaluate();
  CHECK(e.count == 1000);
  return e.accuracy;
}

}  // namespace

// Each stays well under a second natively (the suite also runs under ASan and in wasm).
TEST_CASE("fga learns MNIST: 2,000 training images, over 70% on 1,000 test images", "[fg][learning]") {
  Config config = small_config("fga", {128});
  config.batch = 32;
  config.lr = 2e-3;
  config.epochs = 5;
  CHECK(learn_mnist(config) > 0.70);
}

TEST_CASE("lg-fga learns MNIST: over 70% on 1,000 test images", "[fg][learning]") {
  Config config = small_config("lg-fga", {128});
  config.lg_groups = 8;
  config.batch = 32;
  config.lr = 3e-3;
  config.epochs = 3;
  CHECK(learn_mnist(config) > 0.70);
}

TEST_CASE("lg-bp learns MNIST: over 80% on 1,000 test images", "[fg][learning]") {
  Config config = small_config("lg-bp", {128});
  config.lg_groups = 8;
  config.batch = 32;
  config.lr = 1e-3;
  config.epochs = 2;
  CHECK(learn_mnist(config) > 0.80);
}

// Weight perturbation learns slowly (its variance grows with the parameter count): tiny models,
// plain SGD with momentum (Adam amplifies the noise), and a lower bar.
TEST_CASE("fgw learns MNIST: well above chance on 1,000 test images", "[fg][learning]") {
  Config config = small_config("fgw", {32});
  config.batch = 32;
  config.optimizer = "sgd";
  config.lr = 3e-4;
  config.epochs = 20;
  CHECK(learn_mnist(config) > 0.40);
}

TEST_CASE("lg-fgw learns MNIST: well above chance on 1,000 test images", "[fg][learning]") {
  Config config = small_config("lg-fgw", {64});
  config.lg_groups = 16;
  config.batch = 32;
  config.optimizer = "sgd";
  config.momentum = 0.0;
  config.lr = 1e-3;
  config.epochs = 10;
  CHECK(learn_mnist(config) > 0.50);
}
