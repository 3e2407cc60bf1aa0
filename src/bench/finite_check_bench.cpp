// Cost of the Session's per-step finiteness scan over every weight, as a share of a training step,
// with Eigen's allFinite() beside it (what the scan replaced), at the page's and the CLI's default
// backprop sizes. Same source natively and in wasm (docs/robustness.md quotes both):
//   build/native/src/bench/finite_check_bench data
//   node --no-experimental-fetch build/wasm/src/bench/finite_check_bench.js data
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/dataset.h"
#include "learn/session.h"

using namespace fwdlab;
using Clock = std::chrono::steady_clock;

namespace {

template <typename F>
double seconds_per_call(int n, F&& f) {
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) f();
  return std::chrono::duration<double>(Clock::now() - t0).count() / n;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "data";
  const auto split = load_dataset("mnist", dir);
  const auto train = std::make_shared<const Dataset>(split.train.head(6400));
  const auto test = std::make_shared<const Dataset>(split.test.head(100));
  for (const auto& hidden : {std::vector<int>{256, 256}, std::vector<int>{1024, 1024}}) {
    Config c;
    c.hidden = hidden;
    c.batch = 64;
    c.epochs = 100;
    Session s(c, train, test);
    for (int i = 0; i < 20; ++i) s.step();  // warm-up
    const int n = 100;
    const double step = seconds_per_call(n, [&] { s.step(); });
    const auto params = s.trainer().parameters();
    volatile bool sink = true;
    const double scan = seconds_per_call(n, [&] {
      for (Param* p : params) sink = sink && all_finite(p->value);
    });
    const double eigen = seconds_per_call(n, [&] {
      for (Param* p : params) sink = sink && p->value.allFinite();
    });
    std::printf("bp %s batch 64: step %.3f ms (scan included); bit scan %.4f ms = %.2f%% of a step; "
                "Eigen allFinite %.4f ms = %.2f%%\n",
                format_layer_sizes(hidden).c_str(), step * 1e3, scan * 1e3, 100 * scan / step, eigen * 1e3,
                100 * eigen / step);
  }
}
