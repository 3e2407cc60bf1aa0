// Model and training configuration: one plain struct, validated in one place.
//
// Every front end (the fwdlab command line, the wasm bindings behind the web page, the tests)
// fills a Config and calls validate(); its messages are what the user reads, unchanged.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace fwdlab {

class ConfigError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct Config {
  // --- what to train -------------------------------------------------------------------------
  std::string rule = "bp";        // see known_rules()
  std::string dataset = "mnist";  // see known_datasets()
  std::vector<int> hidden = {1024, 1024};
  std::uint64_t seed = 1;

  // --- how long, on what ---------------------------------------------------------------------
  int epochs = 5;
  int batch = 64;
  int train_limit = 0;  // use only the first N training examples (0 = all)
  int test_limit = 0;   // evaluate on the first N test examples (0 = all)

  // --- optimiser -----------------------------------------------------------------------------
  std::string optimizer = "adam";  // "sgd" (with momentum) or "adam"
  double lr = 1e-3;
  double momentum = 0.9;      // sgd only; 0 = plain SGD
  double beta1 = 0.9;         // adam
  double beta2 = 0.999;       // adam
  double adam_eps = 1e-8;     // adam
  double weight_decay = 0.0;  // L2 penalty added to the gradient: g += weight_decay * w
  double lr_decay = 0.0;      // exponential decay per step: lr_i = lr * exp(-lr_decay * i)

  // --- Forward-Forward (ff, ff-unsup) --------------------------------------------------------
  // Defaults fit the browser preset 2 x 500 (docs/results.md): with sum goodness and RMS
  // normalisation a layer starts near G = width, so theta should be about the layer width.
  double ff_theta = 500.0;               // goodness threshold theta in sigmoid(G - theta)
  std::string ff_goodness = "sum";       // "sum" or "mean" of squared activities
  std::string ff_norm = "rms";           // "length" or "rms": normalisation between layers
  std::string ff_negatives = "hard";     // "random" or "hard" wrong labels (supervised)
  std::string ff_schedule = "together";  // "together" (all layers every batch) or "greedy"
  double ff_peer_norm = 0.0;             // weight of the peer-normalisation loss (0 = off)
  double readout_lr = 1e-3;              // learning rate of the linear softmax readout

  // --- forward gradients (fgw, fga, lg-fgw, lg-fga, lg-bp) -----------------------------------
  int fg_tangents = 1;              // K: average K forward-gradient estimates per step
  bool fga_skip_inactive = true;    // FG-A: do not perturb ReLU units that are off
  int lg_groups = 1;                // local losses: groups per block, each with its own head
  bool report_cosine = false;       // also compute the true gradient to report cosine similarity

  // --- evaluation ----------------------------------------------------------------------------
  // > 0: also evaluate a moving average of the weights over about this many epochs
  // (learn/weight_average.h). Training never reads it, so it is not part of a run's identity.
  double average_epochs = 0.0;
};

const std::vector<std::string>& known_rules();
const std::vector<std::string>& known_optimizers();

// Throws ConfigError listing every problem ("; "-separated), each naming the field, the value
// found and what is allowed. `train_count` (when > 0) bounds the batch size.
void validate(const Config& config, int train_count = 0);

// "1024,1024" -> {1024, 1024}; throws ConfigError on anything else.
std::vector<int> parse_layer_sizes(const std::string& text);
std::string format_layer_sizes(const std::vector<int>& sizes);

}  // namespace fwdlab
