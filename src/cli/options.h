// Command-line options of `fwdlab train`: one table that both parses and documents them.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "core/config.h"

namespace fwdlab::cli {

// A bad option or value; main prints "fwdlab: <message>" and exits with code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TrainOptions {
  Config config;
  std::string data_dir = "data";
  bool json = false;            // one JSON object per line on stdout
  bool progress = true;         // progress bar on stderr
  int threads = 0;              // 0 = every core
  long eval_every_steps = 0;    // 0 = evaluate once per epoch
  double time_limit = 0;        // seconds of training before stopping early (0 = none)
  std::string save_path;        // write final weights here (empty = don't)
  std::string checkpoint_path;  // resume from / save the whole run here each epoch (empty = don't)
};

// Parses the arguments after "train". Throws UsageError naming the option.
TrainOptions parse_train_options(const std::vector<std::string>& args);

// The text of `fwdlab --help`.
std::string usage();

}  // namespace fwdlab::cli
