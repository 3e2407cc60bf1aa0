// Embind bindings: the only file that knows about JavaScript. Each function converts its
// arguments, calls the core, and turns any C++ exception into a JavaScript Error carrying the
// C++ message unchanged.
//
//   const train = Module.Dataset.fromIdx('mnist train', imageBytes, labelBytes);  // Uint8Arrays
//   const run = new Module.Session({rule: 'ff', hidden: [500, 500], seed: 1}, train, test);
//   const m = run.train(50);            // 50 steps -> {loss, steps, examples, epoch, figures}
//   const e = run.evaluate();           // {accuracy, loss, count, figures, predicted}
//   const q = run.evaluateFirst(2000);  // the same on the first 2000 test examples only
//   run.delete(); train.delete();       // Embind handles are freed explicitly
//
// Views returned by weightsView() point into wasm memory: they are valid only until the next
// call into the module (any call may grow memory, which detaches every view). Copy them with
// .slice() to keep or to post them to another thread.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <malloc.h>

#include <cmath>
#include <exception>
#include <memory>
#include <sstream>
#include <string>

#include "core/config.h"
#include "core/dataset.h"
#include "core/idx.h"
#include "core/weights_io.h"
#include "learn/forward_forward.h"
#include "learn/session.h"

namespace fwdlab::wasm {
namespace {

using emscripten::val;

[[noreturn]] void throw_js(const std::string& message, const char* name = "Error") {
  val error = val::global("Error").new_(message);
  error.set("name", std::string(name));
  error.throw_();
}

// Runs f, converting C++ exceptions into JS errors whose name tells the kind of problem.
template <typename F>
auto guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const ConfigError& e) {
    throw_js(e.what(), "ConfigError");
  } catch (const DataError& e) {
    throw_js(e.what(), "DataError");
  } catch (const WeightsError& e) {
    throw_js(e.what(), "WeightsError");
  } catch (const DivergenceError& e) {
    throw_js(e.what(), "DivergenceError");
  } catch (const std::exception& e) {
    throw_js(e.what());
  }
}

std::vector<std::uint8_t> bytes_of(const val& array) {
  if (!array.instanceof(val::global("Uint8Array"))) throw std::invalid_argument("expected a Uint8Array of bytes");
  return emscripten::convertJSArrayToNumberVector<std::uint8_t>(array);
}

// --- configuration from a plain JS object ------------------------------------------------------

double number_field(const val& v, const std::string& key) {
  if (!v.isNumber()) throw ConfigError(key + " must be a number, got " + v.typeOf().as<std::string>());
  return v.as<double>();
}

int int_field(const val& v, const std::string& key) {
  const double d = number_field(v, key);
  // Range and integrality are tested on the double itself: casting NaN, an infinity or 1e300 to
  // an integer type is undefined behaviour.
  if (!std::isfinite(d) || d != std::trunc(d) || d < -2147483648.0 || d > 2147483647.0) {
    std::ostringstream shown;  // 2.5, not std::to_string's 2.500000
    shown << d;
    throw ConfigError(key + " must be an integer, got " + shown.str());
  }
  return static_cast<int>(d);
}

std::string string_field(const val& v, const std::string& key) {
  if (!v.isString()) throw ConfigError(key + " must be a string, got " + v.typeOf().as<std::string>());
  return v.as<std::string>();
}

bool bool_field(const val& v, const std::string& key) {
  if (v.typeOf().as<std::string>() != "boolean") throw ConfigError(key + " must be true or false");
  return v.as<bool>();
}

// Every key must be a Config field; values are type-checked here and range-checked by validate().
Config config_from_js(const val& object) {
  if (object.typeOf().as<std::string>() != "object" || object.isNull()) throw ConfigError("configuration must be an object");
  Config c;
  const val keys = val::global("Object").call<val>("keys", object);
  const int n = keys["length"].as<int>();
  for (int i = 0; i < n; ++i) {
    const std::string key = keys[i].as<std::string>();
    const val v = object[key];
    if (key == "rule") c.rule = string_field(v, key);
    else if (key == "dataset") c.dataset = string_field(v, key);
    else if (key == "hidden") {
      if (!v.isArray()) throw ConfigError("hidden must be an array of layer sizes");
      c.hidden.clear();
      const int layers = v["length"].as<int>();
      if (layers > 64) throw ConfigError("hidden has " + std::to_string(layers) + " layers; at most 16 are allowed");
      for (int l = 0; l < layers; ++l) c.hidden.push_back(int_field(v[l], "hidden layer size"));
    } else if (key == "seed") {
      const double s = number_field(v, key);
      if (!std::isfinite(s) || s != std::trunc(s) || s < 0 || s > 2147483647.0) {
        throw ConfigError("seed must be an integer in 0..2147483647");
      }
      c.seed = static_cast<std::uint64_t>(s);
    }
    else if (key == "epochs") c.epochs = int_field(v, key);
    else if (key == "batch") c.batch = int_field(v, key);
    else if (key == "train_limit") c.train_limit = int_field(v, key);
    else if (key == "test_limit") c.test_limit = int_field(v, key);
    else if (key == "optimizer") c.optimizer = string_field(v, key);
    else if (key == "lr") c.lr = number_field(v, key);
    else if (key == "momentum") c.momentum = number_field(v, key);
    else if (key == "beta1") c.beta1 = number_field(v, key);
    else if (key == "beta2") c.beta2 = number_field(v, key);
    else if (key == "adam_eps") c.adam_eps = number_field(v, key);
    else if (key == "weight_decay") c.weight_decay = number_field(v, key);
    else if (key == "lr_decay") c.lr_decay = number_field(v, key);
    else if (key == "ff_theta") c.ff_theta = number_field(v, key);
    else if (key == "ff_goodness") c.ff_goodness = string_field(v, key);
    else if (key == "ff_norm") c.ff_norm = string_field(v, key);
    else if (key == "ff_negatives") c.ff_negatives = string_field(v, key);
    else if (key == "ff_schedule") c.ff_schedule = string_field(v, key);
    else if (key == "ff_peer_norm") c.ff_peer_norm = number_field(v, key);
    else if (key == "readout_lr") c.readout_lr = number_field(v, key);
    else if (key == "fg_tangents") c.fg_tangents = int_field(v, key);
    else if (key == "fga_skip_inactive") c.fga_skip_inactive = bool_field(v, key);
    else if (key == "lg_groups") c.lg_groups = int_field(v, key);
    else if (key == "report_cosine") c.report_cosine = bool_field(v, key);
    else throw ConfigError("unknown configuration field '" + key + "'");
  }
  validate(c);
  return c;
}

val figures_to_js(const std::map<std::string, double>& figures, double divisor = 1.0) {
  val out = val::object();
  for (const auto& [name, value] : figures) out.set(name, value / divisor);
  return out;
}

// Live C++ objects that JavaScript holds (each constructor adds one, each destructor removes
// one): what a forgotten .delete() in the page would make grow. Read by malloc_stats().
struct LiveCount {
  static int& datasets() { static int n = 0; return n; }
  static int& sessions() { static int n = 0; return n; }
};

// --- data -----------------------------------------------------------------------------------

class JsDataset {
 public:
  static std::shared_ptr<JsDataset> from_idx(const std::string& name, const val& images, const val& labels) {
    return guarded([&] {
      const auto image_bytes = bytes_of(images);
      const auto label_bytes = bytes_of(labels);
      auto parsed_images = parse_idx_images(image_bytes.data(), image_bytes.size(), name + " images");
      auto parsed_labels = parse_idx_labels(label_bytes.data(), label_bytes.size(), name + " labels");
      require_28x28(parsed_images, name + " images");
      auto data = std::make_shared<const Dataset>(Dataset::from_idx(std::move(parsed_images), std::move(parsed_labels), name));
      return std::make_shared<JsDataset>(std::move(data));
    });
  }

  explicit JsDataset(std::shared_ptr<const Dataset> data) : data_(std::move(data)) { ++LiveCount::datasets(); }
  ~JsDataset() { --LiveCount::datasets(); }
  JsDataset(const JsDataset&) = delete;
  JsDataset& operator=(const JsDataset&) = delete;
  int count() const { return data_->count; }
  int features() const { return data_->features(); }
  int label(int i) const {
    return guarded([&] {
      if (i < 0 || i >= data_->count) throw std::out_of_range("example index " + std::to_string(i) + " out of range");
      return static_cast<int>(data_->labels[i]);
    });
  }
  // A copy of every label (0..9), as one Uint8Array.
  val labels() const {
    return val(emscripten::typed_memory_view(data_->labels.size(), data_->labels.data())).call<val>("slice");
  }
  // A copy of image i's pixels (0..255).
  val image(int i) const {
    return guarded([&] {
      if (i < 0 || i >= data_->count) throw std::out_of_range("example index " + std::to_string(i) + " out of range");
      return val(emscripten::typed_memory_view(data_->features(), data_->image(i))).call<val>("slice");
    });
  }
  const std::shared_ptr<const Dataset>& data() const { return data_; }

 private:
  std::shared_ptr<const Dataset> data_;
};

// --- a training run ----------------------------------------------------------------------------

class JsSession {
 public:
  JsSession(val config, const JsDataset& train, const JsDataset& test)
      : session_(guarded([&] { return std::make_unique<Session>(config_from_js(config), train.data(), test.data()); })) {
    ++LiveCount::sessions();
  }
  ~JsSession() { --LiveCount::sessions(); }
  JsSession(const JsSession&) = delete;
  JsSession& operator=(const JsSession&) = delete;

  // Up to `steps` training steps (fewer if the run finishes); mean loss and figures over them.
  val train(int steps) {
    return guarded([&] {
      if (steps < 0 || steps > 1000000) throw std::invalid_argument("steps must be in 0..1000000");
      double loss = 0;
      int done = 0;
      std::map<std::string, double> sums;
      for (; done < steps && !session_->finished(); ++done) {
        const StepMetrics m = session_->step();
        loss += m.loss;
        for (const auto& [name, value] : m.figures) sums[name] += value;
      }
      val out = val::object();
      out.set("stepsRun", done);
      out.set("loss", done ? loss / done : 0.0);
      out.set("figures", figures_to_js(sums, done ? done : 1));
      out.set("steps", static_cast<double>(session_->steps()));
      out.set("examples", static_cast<double>(session_->examples_seen()));
      out.set("epoch", static_cast<double>(session_->steps()) / session_->steps_per_epoch());
      out.set("finished", session_->finished());
      return out;
    });
  }

  val evaluate() {
    return guarded([&] { return evaluation_to_js(session_->evaluate()); });
  }

  // Evaluates on the first `limit` test examples (0 = all), ignoring config.test_limit: the web
  // page's quick look between full evaluations, so its charts stay live without stealing time.
  val evaluate_first(int limit) {
    return guarded([&] {
      if (limit < 0) throw std::invalid_argument("limit must be >= 0");
      return evaluation_to_js(session_->trainer().evaluate(session_->test_data(), limit));
    });
  }

  // Class scores for `count` images given as a Float32Array of count * 784 values in [0, 1].
  val predict(const val& pixels) {
    return guarded([&] {
      const auto values = emscripten::convertJSArrayToNumberVector<float>(pixels);
      const int features = session_->train_data().features();
      if (values.empty() || values.size() % features != 0) {
        throw std::invalid_argument("predict expects a multiple of " + std::to_string(features) + " pixel values, got " +
                                    std::to_string(values.size()));
      }
      const Eigen::Index rows = static_cast<Eigen::Index>(values.size() / features);
      Matrix x = Eigen::Map<const Matrix>(values.data(), rows, features);
      session_->trainer().predict_scores(x, scores_);
      return val(emscripten::typed_memory_view(scores_.size(), scores_.data())).call<val>("slice");
    });
  }

  // Forward-Forward only: the goodness of every hidden layer for each of the 10 candidate labels,
  // for `count` images (Float32Array count * 784 in [0, 1]). {layers: [Float32Array count x 10
  // per hidden layer], counted: [indices of the layers whose sum is the prediction]}.
  val label_goodness(const val& pixels) {
    return guarded([&] {
      auto* ff = dynamic_cast<ForwardForwardTrainer*>(&session_->trainer());
      if (!ff || !ff->supervised()) throw std::invalid_argument("labelGoodness needs the supervised rule ff");
      const auto values = emscripten::convertJSArrayToNumberVector<float>(pixels);
      const int features = session_->train_data().features();
      if (values.empty() || values.size() % features != 0) {
        throw std::invalid_argument("labelGoodness expects a multiple of " + std::to_string(features) + " pixel values");
      }
      const Eigen::Index rows = static_cast<Eigen::Index>(values.size() / features);
      Matrix x = Eigen::Map<const Matrix>(values.data(), rows, features);
      std::vector<Matrix> goodness;
      ff->label_goodness(x, goodness);
      val layers = val::array();
      for (const Matrix& g : goodness) {
        layers.call<void>("push", val(emscripten::typed_memory_view(g.size(), g.data())).call<val>("slice"));
      }
      val counted = val::array();
      for (int l : ff->goodness_layers()) counted.call<void>("push", l);
      val out = val::object();
      out.set("layers", layers);
      out.set("counted", counted);
      return out;
    });
  }

  // [{name, rows, cols}] for every parameter tensor, in weightsView order.
  val parameters() {
    val out = val::array();
    for (Param* p : session_->trainer().parameters()) {
      val info = val::object();
      info.set("name", p->name);
      info.set("rows", static_cast<int>(p->value.rows()));
      info.set("cols", static_cast<int>(p->value.cols()));
      out.call<void>("push", info);
    }
    return out;
  }

  // A Float32Array view of parameter i, valid until the next call into the module (see top).
  val weights_view(int index) {
    return guarded([&] {
      auto params = session_->trainer().parameters();
      if (index < 0 || index >= static_cast<int>(params.size())) {
        throw std::out_of_range("parameter index " + std::to_string(index) + " out of range");
      }
      return val(emscripten::typed_memory_view(params[index]->value.size(), params[index]->value.data()));
    });
  }

  val save_weights() {
    return guarded([&] {
      const auto bytes = serialize_weights(session_->config(), session_->train_data().features(),
                                           session_->trainer().parameters());
      return val(emscripten::typed_memory_view(bytes.size(), bytes.data())).call<val>("slice");
    });
  }

  void load_weights(const val& bytes, const std::string& source) {
    guarded([&] {
      const auto data = bytes_of(bytes);
      load_weights_into(data, source);
      return 0;
    });
  }

  val last_batch_indices() const {
    const auto& idx = session_->last_batch_indices();
    return val(emscripten::typed_memory_view(idx.size(), idx.data())).call<val>("slice");
  }

  double steps() const { return static_cast<double>(session_->steps()); }
  double examples_seen() const { return static_cast<double>(session_->examples_seen()); }
  int steps_per_epoch() const { return session_->steps_per_epoch(); }
  bool finished() const { return session_->finished(); }

 private:
  // predicted: one Uint8Array (a copy made in one go) with the label that `accuracy` counted for
  // each evaluated example, so the page's confusion matrix needs no second prediction pass.
  static val evaluation_to_js(const Evaluation& e) {
    val out = val::object();
    out.set("count", e.count);
    out.set("accuracy", e.accuracy);
    out.set("loss", e.loss);
    out.set("figures", figures_to_js(e.figures));
    out.set("predicted", val(emscripten::typed_memory_view(e.predicted.size(), e.predicted.data())).call<val>("slice"));
    return out;
  }

  void load_weights_into(const std::vector<std::uint8_t>& data, const std::string& source) {
    fwdlab::load_weights(data.data(), data.size(), source, session_->config(), session_->train_data().features(),
                         session_->trainer().parameters());
  }

  std::unique_ptr<Session> session_;
  Matrix scores_;
};

val known_rules_js() {
  val out = val::array();
  for (const auto& r : known_rules()) out.call<void>("push", r);
  return out;
}

// Validates a configuration without building a model: returns "" or the C++ message.
std::string check_config(const val& config) {
  try {
    config_from_js(config);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

// Bytes of C++ heap in use (allocated, not yet freed), the heap's size, and the live Dataset and
// Session objects: the long-run measurements (scripts/long-run*) watch them for leaks.
val malloc_stats() {
  const struct mallinfo info = mallinfo();
  val out = val::object();
  out.set("inUse", static_cast<double>(info.uordblks));
  out.set("arena", static_cast<double>(info.arena));
  out.set("datasets", LiveCount::datasets());
  out.set("sessions", LiveCount::sessions());
  return out;
}

}  // namespace

EMSCRIPTEN_BINDINGS(fwdlab) {
  using namespace emscripten;
  class_<JsDataset>("Dataset")
      .smart_ptr<std::shared_ptr<JsDataset>>("Dataset")
      .class_function("fromIdx", &JsDataset::from_idx)
      .property("count", &JsDataset::count)
      .property("features", &JsDataset::features)
      .function("label", &JsDataset::label)
      .function("labels", &JsDataset::labels)
      .function("image", &JsDataset::image);
  class_<JsSession>("Session")
      .constructor<val, const JsDataset&, const JsDataset&>()
      .function("train", &JsSession::train)
      .function("evaluate", &JsSession::evaluate)
      .function("evaluateFirst", &JsSession::evaluate_first)
      .function("predict", &JsSession::predict)
      .function("labelGoodness", &JsSession::label_goodness)
      .function("parameters", &JsSession::parameters)
      .function("weightsView", &JsSession::weights_view)
      .function("saveWeights", &JsSession::save_weights)
      .function("loadWeights", &JsSession::load_weights)
      .function("lastBatchIndices", &JsSession::last_batch_indices)
      .property("steps", &JsSession::steps)
      .property("examplesSeen", &JsSession::examples_seen)
      .property("stepsPerEpoch", &JsSession::steps_per_epoch)
      .property("finished", &JsSession::finished);
  function("knownRules", &known_rules_js);
  function("checkConfig", &check_config);
  function("mallocStats", &malloc_stats);
}

}  // namespace fwdlab::wasm
