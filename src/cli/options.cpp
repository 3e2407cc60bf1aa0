#include "cli/options.h"

#include <cmath>
#include <functional>
#include <sstream>

namespace fwdlab::cli {
namespace {

double parse_number(const std::string& option, const std::string& text) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || !std::isfinite(value)) {
    throw UsageError(option + ": expected a finite number, got '" + text + "'");
  }
  return value;
}

long parse_integer(const std::string& option, const std::string& text, long low, long high) {
  std::size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size()) throw UsageError(option + ": expected an integer, got '" + text + "'");
  if (value < low || value > high) {
    throw UsageError(option + ": expected an integer in " + std::to_string(low) + ".." + std::to_string(high) +
                     ", got " + text);
  }
  return static_cast<long>(value);
}

bool parse_bool(const std::string& option, const std::string& text) {
  if (text == "1" || text == "true" || text == "on" || text == "yes") return true;
  if (text == "0" || text == "false" || text == "off" || text == "no") return false;
  throw UsageError(option + ": expected on or off, got '" + text + "'");
}

struct OptionSpec {
  const char* name;
  const char* value;  // placeholder in the help; nullptr for a flag without a value
  std::string help;
  std::function<void(TrainOptions&, const std::string&)> apply;
};

const std::vector<OptionSpec>& option_table() {
  static const Config d;  // defaults shown in the help
  auto num = [](double v) {
    std::ostringstream out;
    out << v;
    return out.str();
  };
  constexpr long kMaxInt = 2147483647;
  static const std::vector<OptionSpec> table = {
      {"--rule", "NAME", "learning rule: bp, ff, ff-unsup, fgw, fga, lg-fgw, lg-fga, lg-bp (default " + d.rule + ")",
       [](TrainOptions& o, const std::string& v) { o.config.rule = v; }},
      {"--dataset", "NAME", "mnist or fashion (default " + d.dataset + ")",
       [](TrainOptions& o, const std::string& v) { o.config.dataset = v; }},
      {"--data-dir", "DIR", "folder written by scripts/prepare-data (default data)",
       [](TrainOptions& o, const std::string& v) { o.data_dir = v; }},
      {"--hidden", "N,N,...", "hidden layer sizes (default " + format_layer_sizes(d.hidden) + ")",
       [](TrainOptions& o, const std::string& v) { o.config.hidden = parse_layer_sizes(v); }},
      {"--epochs", "N", "passes over the training set (default " + std::to_string(d.epochs) + ")",
       [=](TrainOptions& o, const std::string& v) { o.config.epochs = parse_integer("--epochs", v, 1, 100000); }},
      {"--batch", "N", "minibatch size (default " + std::to_string(d.batch) + ")",
       [=](TrainOptions& o, const std::string& v) { o.config.batch = parse_integer("--batch", v, 1, kMaxInt); }},
      {"--lr", "X", "learning rate (default " + num(d.lr) + ")",
       [](TrainOptions& o, const std::string& v) { o.config.lr = parse_number("--lr", v); }},
      {"--opt", "NAME", "optimiser: sgd (with momentum) or adam (default " + d.optimizer + ")",
       [](TrainOptions& o, const std::string& v) { o.config.optimizer = v; }},
      {"--momentum", "X", "sgd momentum (default " + num(d.momentum) + ")",
       [](TrainOptions& o, const std::string& v) { o.config.momentum = parse_number("--momentum", v); }},
      {"--beta1", "X", "adam beta1 (default " + num(d.beta1) + ")",
       [](TrainOptions& o, const std::string& v) { o.config.beta1 = parse_number("--beta1", v); }},
      {"--beta2", "X", "adam beta2 (default " + num(d.beta2) + ")",
       [](TrainOptions& o, const std::string& v) { o.config.beta2 = parse_number("--beta2", v); }},
      {"--weight-decay", "X", "L2 weight decay added to the gradient (default " + num(d.weight_decay) + ")",
       [](TrainOptions& o, const std::string& v) { o.config.weight_decay = parse_number("--weight-decay", v); }},
      {"--lr-decay", "K", "exponential decay per step, lr_i = lr exp(-K i) (default " + num(d.lr_decay) + ")",
       [](TrainOptions& o, const std::string& v) { o.config.lr_decay = parse_number("--lr-decay", v); }},
      {"--seed", "N", "random seed; the same seed gives the same run (default " + std::to_string(d.seed) + ")",
       [=](TrainOptions& o, const std::string& v) {
         o.config.seed = static_cast<std::uint64_t>(parse_integer("--seed", v, 0, kMaxInt));
       }},
      {"--train-limit", "N", "train on the first N examples only (default 0 = all)",
       [=](TrainOptions& o, const std::string& v) { o.config.train_limit = parse_integer("--train-limit", v, 0, kMaxInt); }},
      {"--test-limit", "N", "evaluate on the first N test examples only (default 0 = all)",
       [=](TrainOptions& o, const std::string& v) { o.config.test_limit = parse_integer("--test-limit", v, 0, kMaxInt); }},
      {"--ff-theta", "X", "Forward-Forward goodness threshold (default " + num(d.ff_theta) + ")",
       [](TrainOptions& o, const std::string& v) { o.config.ff_theta = parse_number("--ff-theta", v); }},
      {"--ff-goodness", "KIND", "Forward-Forward goodness: sum or mean of squares (default " + d.ff_goodness + ")",
       [](TrainOptions& o, const std::string& v) { o.config.ff_goodness = v; }},
      {"--ff-norm", "KIND", "normalisation between FF layers: length or rms (default " + d.ff_norm + ")",
       [](TrainOptions& o, const std::string& v) { o.config.ff_norm = v; }},
      {"--ff-negatives", "KIND", "negative labels: random or hard (default " + d.ff_negatives + ")",
       [](TrainOptions& o, const std::string& v) { o.config.ff_negatives = v; }},
      {"--ff-schedule", "KIND", "together (all layers each batch) or greedy (layer by layer) (default " +
                                    d.ff_schedule + ")",
       [](TrainOptions& o, const std::string& v) { o.config.ff_schedule = v; }},
      {"--ff-peer-norm", "X", "weight of FF peer normalisation, 0 = off (default " + num(d.ff_peer_norm) + ")",
       [](TrainOptions& o, const std::string& v) { o.config.ff_peer_norm = parse_number("--ff-peer-norm", v); }},
      {"--readout-lr", "X", "learning rate of the linear softmax readout (default " + num(d.readout_lr) + ")",
       [](TrainOptions& o, const std::string& v) { o.config.readout_lr = parse_number("--readout-lr", v); }},
      {"--tangents", "K", "forward gradient: mean of K estimates per step (default " + std::to_string(d.fg_tangents) + ")",
       [](TrainOptions& o, const std::string& v) { o.config.fg_tangents = parse_integer("--tangents", v, 1, 1024); }},
      {"--fga-skip-inactive", "on|off", "FG-A: leave switched-off ReLU units unperturbed (default on)",
       [](TrainOptions& o, const std::string& v) { o.config.fga_skip_inactive = parse_bool("--fga-skip-inactive", v); }},
      {"--lg-groups", "N", "local losses: groups per block (default " + std::to_string(d.lg_groups) + ")",
       [=](TrainOptions& o, const std::string& v) { o.config.lg_groups = parse_integer("--lg-groups", v, 1, 16384); }},
      {"--cosine", nullptr, "report the cosine between the estimated and the true gradient",
       [](TrainOptions& o, const std::string&) { o.config.report_cosine = true; }},
      {"--average-epochs", "H", "also evaluate a moving average of the weights over about H epochs, 0 = off (default 0)",
       [](TrainOptions& o, const std::string& v) { o.config.average_epochs = parse_number("--average-epochs", v); }},
      {"--eval-every", "STEPS", "evaluate on the test set every STEPS steps (default 0 = each epoch)",
       [=](TrainOptions& o, const std::string& v) { o.eval_every_steps = parse_integer("--eval-every", v, 0, kMaxInt); }},
      {"--time-limit", "SECONDS", "stop training after this much wall time, then evaluate (default 0 = none)",
       [](TrainOptions& o, const std::string& v) {
         o.time_limit = parse_number("--time-limit", v);
         if (o.time_limit < 0) throw UsageError("--time-limit: expected seconds >= 0, got " + v);
       }},
      {"--threads", "N", "threads for matrix products (default 0 = every core)",
       [](TrainOptions& o, const std::string& v) { o.threads = parse_integer("--threads", v, 0, 1024); }},
      {"--save", "FILE", "write the trained weights (the last, not the average) to FILE",
       [](TrainOptions& o, const std::string& v) { o.save_path = v; }},
      {"--checkpoint", "FILE", "save the whole run to FILE after every epoch and resume from it if it exists",
       [](TrainOptions& o, const std::string& v) { o.checkpoint_path = v; }},
      {"--json", nullptr, "write one JSON object per line on stdout (the last is the summary)",
       [](TrainOptions& o, const std::string&) { o.json = true; }},
      {"--quiet", nullptr, "no progress bar",
       [](TrainOptions& o, const std::string&) { o.progress = false; }},
  };
  return table;
}

}  // namespace

TrainOptions parse_train_options(const std::vector<std::string>& args) {
  TrainOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    std::string value;
    bool has_inline_value = false;
    if (const auto eq = name.find('='); name.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_inline_value = true;
    }
    const OptionSpec* spec = nullptr;
    for (const auto& candidate : option_table()) {
      if (name == candidate.name) spec = &candidate;
    }
    if (!spec) throw UsageError("unknown option '" + name + "' (see fwdlab --help)");
    if (spec->value && !has_inline_value) {
      if (i + 1 >= args.size()) throw UsageError(name + ": missing value " + spec->value);
      value = args[++i];
    } else if (!spec->value && has_inline_value) {
      throw UsageError(name + " takes no value");
    }
    try {
      spec->apply(options, value);
    } catch (const ConfigError& e) {
      throw UsageError(name + ": " + e.what());
    }
  }
  return options;
}

std::string usage() {
  std::ostringstream out;
  out << "fwdlab - train neural networks with and without backpropagation\n\n"
         "usage: fwdlab train [options]\n"
         "       fwdlab --help\n\n"
         "example: fwdlab train --rule bp --hidden 1024,1024 --epochs 5 --batch 64 --lr 1e-3 --opt adam --seed 1\n\n"
         "options:\n";
  for (const auto& spec : option_table()) {
    std::string left = std::string("  ") + spec.name + (spec.value ? std::string(" ") + spec.value : "");
    if (left.size() < 28) left.resize(28, ' ');
    else left += "\n" + std::string(28, ' ');
    out << left << spec.help << "\n";
  }
  out << "\nExit codes: 0 done, 1 data or training error (e.g. divergence), 2 bad option or value.\n";
  return out.str();
}

}  // namespace fwdlab::cli
