#include "core/config.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/dataset.h"

namespace fwdlab {
namespace {

constexpr int kMaxLayerWidth = 16384;
constexpr int kMaxLayers = 16;
constexpr int kMaxEpochs = 100000;
// Every data set here is 28x28 (require_28x28), with 10 classes.
constexpr long long kInputFeatures = 28 * 28;
constexpr long long kClasses = 10;
// Training keeps four floats per weight (value, gradient, two optimiser slots), so 2^25 weights
// take 512 MiB: as much as a browser tab's 32-bit wasm memory can be asked for with room to
// spare. Layer widths within their own bound can still multiply past it (16384 x 16384 alone is
// 2^28 weights, 4 GiB), so the product is checked before anything is allocated.
constexpr long long kMaxWeights = 1LL << 25;

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? separator : "") + items[i];
  return out;
}

bool one_of(const std::string& value, const std::vector<std::string>& allowed) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

std::string number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace

const std::vector<std::string>& known_rules() {
  static const std::vector<std::string> rules = {"bp", "ff", "ff-unsup", "fgw", "fga",
                                                 "lg-fgw", "lg-fga", "lg-bp"};
  return rules;
}

const std::vector<std::string>& known_optimizers() {
  static const std::vector<std::string> names = {"sgd", "adam"};
  return names;
}

void validate(const Config& c, int train_count) {
  std::vector<std::string> problems;
  auto require = [&](bool ok, const std::string& message) {
    if (!ok) problems.push_back(message);
  };
  auto choice = [&](const char* field, const std::string& value, const std::vector<std::string>& allowed) {
    require(one_of(value, allowed),
            std::string("unknown ") + field + " '" + value + "'; expected one of: " + join(allowed, ", "));
  };
  auto positive_finite = [&](const char* field, double value, double max) {
    require(std::isfinite(value) && value > 0 && value <= max,
            std::string(field) + " must be a finite number in (0, " + number(max) + "], got " + number(value));
  };
  auto in_range = [&](const char* field, double value, double low, double high, bool high_open) {
    const bool ok = std::isfinite(value) && value >= low && (high_open ? value < high : value <= high);
    require(ok, std::string(field) + " must be in [" + number(low) + ", " + number(high) +
                    (high_open ? ")" : "]") + ", got " + number(value));
  };

  choice("rule", c.rule, known_rules());
  choice("dataset", c.dataset, known_datasets());
  choice("optimizer", c.optimizer, known_optimizers());

  if (c.hidden.empty()) {
    problems.push_back("hidden layers must not be empty; give at least one size, e.g. 500");
  } else if (static_cast<int>(c.hidden.size()) > kMaxLayers) {
    problems.push_back("at most " + std::to_string(kMaxLayers) + " hidden layers, got " +
                       std::to_string(c.hidden.size()));
  }
  for (std::size_t i = 0; i < c.hidden.size(); ++i) {
    require(c.hidden[i] > 0 && c.hidden[i] <= kMaxLayerWidth,
            "hidden layer " + std::to_string(i + 1) + " size must be in 1.." +
                std::to_string(kMaxLayerWidth) + ", got " + std::to_string(c.hidden[i]));
  }

  const bool sizes_ok = !c.hidden.empty() && static_cast<int>(c.hidden.size()) <= kMaxLayers &&
                        std::all_of(c.hidden.begin(), c.hidden.end(), [](int h) { return h > 0 && h <= kMaxLayerWidth; });
  if (sizes_ok) {
    long long weights = 0;
    long long width = kInputFeatures;
    for (int h : c.hidden) {
      weights += width * h + h;
      width = h;
    }
    weights += width * kClasses + kClasses;
    require(weights <= kMaxWeights,
            "the network would have " + std::to_string(weights) + " weights (hidden layers " +
                format_layer_sizes(c.hidden) + "); at most " + std::to_string(kMaxWeights) +
                " fit in memory for training, so use narrower or fewer layers");
  }

  require(c.epochs >= 1 && c.epochs <= kMaxEpochs,
          "epochs must be in 1.." + std::to_string(kMaxEpochs) + ", got " + std::to_string(c.epochs));
  if (c.batch < 1) {
    problems.push_back("batch size must be at least 1, got " + std::to_string(c.batch));
  } else if (train_count > 0 && c.batch > train_count) {
    problems.push_back("batch size " + std::to_string(c.batch) + " is larger than the " +
                       std::to_string(train_count) + " training examples");
  }
  require(c.train_limit >= 0, "train limit must be 0 (all) or positive, got " + std::to_string(c.train_limit));
  require(c.test_limit >= 0, "test limit must be 0 (all) or positive, got " + std::to_string(c.test_limit));

  positive_finite("learning rate", c.lr, 10.0);
  in_range("momentum", c.momentum, 0.0, 1.0, true);
  in_range("beta1", c.beta1, 0.0, 1.0, true);
  in_range("beta2", c.beta2, 0.0, 1.0, true);
  positive_finite("adam epsilon", c.adam_eps, 1.0);
  in_range("weight decay", c.weight_decay, 0.0, 1.0, false);
  in_range("learning-rate decay", c.lr_decay, 0.0, 1.0, false);

  require(std::isfinite(c.ff_theta) && std::fabs(c.ff_theta) <= 1e6,
          "ff theta must be a finite number with |theta| <= 1e6, got " + number(c.ff_theta));
  choice("ff goodness", c.ff_goodness, {"sum", "mean"});
  choice("ff normalisation", c.ff_norm, {"length", "rms"});
  choice("ff negatives", c.ff_negatives, {"random", "hard"});
  choice("ff schedule", c.ff_schedule, {"together", "greedy"});
  in_range("ff peer normalisation", c.ff_peer_norm, 0.0, 100.0, false);
  positive_finite("readout learning rate", c.readout_lr, 10.0);

  in_range("weight-average horizon (epochs)", c.average_epochs, 0.0, kMaxEpochs, false);

  require(c.fg_tangents >= 1 && c.fg_tangents <= 1024,
          "forward-gradient tangents must be in 1..1024, got " + std::to_string(c.fg_tangents));
  require(c.lg_groups >= 1, "local-loss groups must be at least 1, got " + std::to_string(c.lg_groups));
  for (std::size_t i = 0; i < c.hidden.size(); ++i) {
    if (c.lg_groups >= 1 && c.hidden[i] > 0 && c.hidden[i] % c.lg_groups != 0) {
      problems.push_back("local-loss groups (" + std::to_string(c.lg_groups) +
                         ") must divide every hidden layer size; layer " + std::to_string(i + 1) +
                         " has " + std::to_string(c.hidden[i]));
      break;
    }
  }

  if (!problems.empty()) throw ConfigError(join(problems, "; "));
}

std::vector<int> parse_layer_sizes(const std::string& text) {
  std::vector<int> sizes;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    // Digits only: std::stol alone would accept " 10", "+10" and "10abc" prefixes.
    const bool digits = !item.empty() && item.size() <= 6 &&
                        std::all_of(item.begin(), item.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    const long value = digits ? std::stol(item) : 0;
    if (!digits || value <= 0 || value > kMaxLayerWidth) {
      throw ConfigError("hidden layer sizes must be positive integers up to " +
                        std::to_string(kMaxLayerWidth) + " separated by commas (e.g. 1024,1024), got '" +
                        text + "'");
    }
    sizes.push_back(static_cast<int>(value));
  }
  if (sizes.empty() || (!text.empty() && text.back() == ',')) {
    throw ConfigError("hidden layer sizes must not be empty (e.g. 1024,1024), got '" + text + "'");
  }
  return sizes;
}

std::string format_layer_sizes(const std::vector<int>& sizes) {
  std::string out;
  for (std::size_t i = 0; i < sizes.size(); ++i) out += (i ? "," : "") + std::to_string(sizes[i]);
  return out;
}

}  // namespace fwdlab
