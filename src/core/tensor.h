// Matrix types shared by the whole core.
//
// A batch is a row-major matrix with one example per row (B x D), so a batch of images is a
// plain copy of contiguous dataset rows and a dense layer computes Y = X W + b with W (D_in x D_out).
#pragma once

#include <Eigen/Core>

namespace fwdlab {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::Matrix<float, 1, Eigen::Dynamic, Eigen::RowMajor>;  // a row, e.g. a bias
using ColumnVector = Eigen::Matrix<float, Eigen::Dynamic, 1>;
using MatrixD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;  // accumulators

}  // namespace fwdlab
