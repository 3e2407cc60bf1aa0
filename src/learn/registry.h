// Creates the Trainer for a rule name; the one place that knows every rule.
#pragma once

#include <memory>

#include "core/config.h"
#include "learn/trainer.h"

namespace fwdlab {

// Validates `config` (ConfigError on any problem) and builds its rule's trainer.
std::unique_ptr<Trainer> make_trainer(const Config& config, int input_features);

}  // namespace fwdlab
