#include "learn/trainer.h"

namespace fwdlab {

Evaluation Trainer::evaluate(const Dataset& data, int limit) {
  return evaluate_scores(data, limit, [this](const Matrix& x, Matrix& scores) { predict_scores(x, scores); });
}

}  // namespace fwdlab
