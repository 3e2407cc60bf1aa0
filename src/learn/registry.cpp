#include "learn/registry.h"

#include "learn/backprop.h"
#include "learn/forward_forward.h"
#include "learn/forward_gradient.h"
#include "learn/local_losses.h"

namespace fwdlab {

std::unique_ptr<Trainer> make_trainer(const Config& config, int input_features) {
  validate(config);
  if (config.rule == "bp") return std::make_unique<BackpropTrainer>(config, input_features);
  if (config.rule == "ff" || config.rule == "ff-unsup")
    return std::make_unique<ForwardForwardTrainer>(config, input_features);
  if (config.rule == "fgw")
    return std::make_unique<ForwardGradientTrainer>(config, input_features, ForwardGradientTrainer::Perturbation::Weights);
  if (config.rule == "fga")
    return std::make_unique<ForwardGradientTrainer>(config, input_features,
                                                    ForwardGradientTrainer::Perturbation::Activities);
  if (config.rule == "lg-bp")
    return std::make_unique<LocalLossTrainer>(config, input_features, LocalLossTrainer::Estimator::Backprop);
  if (config.rule == "lg-fga")
    return std::make_unique<LocalLossTrainer>(config, input_features, LocalLossTrainer::Estimator::ActivityPerturbation);
  if (config.rule == "lg-fgw")
    return std::make_unique<LocalLossTrainer>(config, input_features, LocalLossTrainer::Estimator::WeightPerturbation);
  throw ConfigError("rule '" + config.rule + "' is not available in this build yet");
}

}  // namespace fwdlab
