// GEMM throughput at the shapes training uses, for scripts/bench (docs/benchmarks.md).
//
//   gemm_bench [--runs N] [--min-ms T] [--shapes N] [--clock cpu|wall]
//   (wasm: node --no-experimental-fetch gemm_bench.js ...)
//
// Prints one JSON line per (shape, engine) with the GFLOP/s of each run. Engines:
//   gemm   - gemm() of core/gemm.h (the wasm SIMD kernels in wasm; Eigen natively)
//   eigen  - Eigen's product (gemm_eigen), single thread
//   peak   - wasm only: the SIMD arithmetic peak, independent f32x4 mul + add chains, no memory traffic
// The engines alternate run by run within each shape (peak, gemm, eigen, peak, ...), so machine
// noise hits them alike and run r of each engine can be compared directly.
#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "core/gemm.h"
#include "core/rng.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif
#ifdef __EMSCRIPTEN__
#include <emscripten.h>  // fine here: the benchmark is not part of the core
#else
#include <time.h>
#endif

using namespace fwdlab;

namespace {

struct Shape {
  const char* what;  // where training uses it
  Transpose ta, tb;
  int m, n, k;
};

// MLP 784-1024-1024-10 at batch 64 (the scripts/bench default) first, then other preset sizes.
const Shape kShapes[] = {
    {"fwd 64x784 * 784x1024", Transpose::No, Transpose::No, 64, 1024, 784},
    {"fwd 64x1024 * 1024x1024", Transpose::No, Transpose::No, 64, 1024, 1024},
    {"dW 784x64 * 64x1024 (A^T B)", Transpose::Yes, Transpose::No, 784, 1024, 64},
    {"dW 1024x64 * 64x1024 (A^T B)", Transpose::Yes, Transpose::No, 1024, 1024, 64},
    {"dX 64x1024 * 1024x1024 (A B^T)", Transpose::No, Transpose::Yes, 64, 1024, 1024},
    {"fwd 64x1024 * 1024x10", Transpose::No, Transpose::No, 64, 10, 1024},
    {"dW 1024x64 * 64x10 (A^T B)", Transpose::Yes, Transpose::No, 1024, 10, 64},
    {"dX 64x10 * 10x1024 (A B^T)", Transpose::No, Transpose::Yes, 64, 1024, 10},
    {"fwd 32x784 * 784x500", Transpose::No, Transpose::No, 32, 500, 784},
    {"fwd 128x2000 * 2000x2000", Transpose::No, Transpose::No, 128, 2000, 2000},
    {"dW 2000x128 * 128x2000 (A^T B)", Transpose::Yes, Transpose::No, 2000, 2000, 128},
    {"dX 128x2000 * 2000x2000 (A B^T)", Transpose::No, Transpose::Yes, 128, 2000, 2000},
    {"fwd 64x784 * 784x256", Transpose::No, Transpose::No, 64, 256, 784},
};

// The machine is shared: with more runnable threads than cores, wall time mostly measures the
// scheduler. By default the benchmark times the CPU time this process actually got (--clock wall
// for wall time): Node's process.cpuUsage() in wasm, the thread's CPU clock natively.
#ifdef __EMSCRIPTEN__
EM_JS(double, cpu_seconds, (), {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
});
#else
double cpu_seconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}
#endif

bool use_cpu_clock = true;

double now_seconds() {
  if (use_cpu_clock) return cpu_seconds();
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

// GFLOP/s of `work` (flops per call), repeating it until at least min_seconds have passed.
double measure(const std::function<void()>& work, double flops, double min_seconds) {
  work();  // warm up: V8 tiers up a function after its first calls
  long calls = 0;
  const double start = now_seconds();
  double elapsed = 0;
  do {
    work();
    ++calls;
    elapsed = now_seconds() - start;
  } while (elapsed < min_seconds);
  return flops * static_cast<double>(calls) / elapsed * 1e-9;
}

#ifdef __wasm_simd128__
// The arithmetic peak of wasm SIMD on this engine: kChains independent chains x = x * m + c, one
// f32x4 mul and one add per step (8 flops), no loads or stores. Enough chains to cover the
// mul -> add latency; the values stay near 1 (no denormals, no overflow).
template <int kChains>
float peak_probe(long steps) {
  v128_t x[kChains];
  for (int i = 0; i < kChains; ++i) x[i] = wasm_f32x4_splat(1.0f + 0.001f * i);
  const v128_t m = wasm_f32x4_splat(0.999f), c = wasm_f32x4_splat(0.001f);
  for (long s = 0; s < steps; ++s)
    for (int i = 0; i < kChains; ++i) x[i] = wasm_f32x4_add(wasm_f32x4_mul(x[i], m), c);
  v128_t sum = x[0];
  for (int i = 1; i < kChains; ++i) sum = wasm_f32x4_add(sum, x[i]);
  return wasm_f32x4_extract_lane(sum, 0);
}
#endif

void print_runs(const char* shape, const char* engine, const std::vector<double>& gflops) {
  std::printf("{\"shape\":\"%s\",\"engine\":\"%s\",\"gflops\":[", shape, engine);
  for (std::size_t i = 0; i < gflops.size(); ++i) std::printf("%s%.3f", i ? "," : "", gflops[i]);
  std::printf("]}\n");
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  double min_seconds = 0.05;
  int max_shapes = 1000;  // --shapes N: only the first N shapes (quick checks)
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--runs")) runs = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--min-ms")) min_seconds = std::atof(argv[i + 1]) / 1000.0;
    if (!std::strcmp(argv[i], "--shapes")) max_shapes = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--clock")) use_cpu_clock = std::strcmp(argv[i + 1], "wall") != 0;
  }
  Eigen::setNbThreads(1);
  std::printf("{\"build\":\"%s\",\"gemm_engine\":\"%s\",\"runs\":%d,\"clock\":\"%s\"}\n",
#ifdef __EMSCRIPTEN__
              "wasm",
#else
              "native",
#endif
              gemm_engine(), runs, use_cpu_clock ? "cpu" : "wall");

  Rng rng(1);
  volatile float sink = 0;
#ifdef __wasm_simd128__
  // Best of two chain counts: the peak is whatever the engine reaches. Measured beside every
  // shape's runs, so the ratio to it comes from the same moment of a noisy machine.
  const long steps = 1 << 18;
  auto peak = [&] {
    return std::max(measure([&] { sink = sink + peak_probe<8>(steps); }, 8.0 * 8 * steps, min_seconds / 2),
                    measure([&] { sink = sink + peak_probe<12>(steps); }, 8.0 * 12 * steps, min_seconds / 2));
  };
#endif
  {
    // Warm up every engine for a while first: V8 compiles the hot functions on background
    // threads, whose CPU time would otherwise be charged to the first shape.
    const Shape& s = kShapes[1];
    Matrix a(s.m, s.k), b(s.k, s.n), c(s.m, s.n);
    rng.fill_normal(a);
    rng.fill_normal(b);
    const double flops = 2.0 * s.m * s.n * s.k;
    for (int i = 0; i < 3; ++i) {
      measure([&] { gemm(s.ta, s.tb, 1.0f, a, b, 0.0f, c); }, flops, 0.1);
      measure([&] { gemm_eigen(s.ta, s.tb, 1.0f, a, b, 0.0f, c); }, flops, 0.1);
#ifdef __wasm_simd128__
      peak();
#endif
    }
  }
  int shapes_done = 0;
  for (const Shape& s : kShapes) {
    if (shapes_done++ == max_shapes) break;
    Matrix a = s.ta == Transpose::Yes ? Matrix(s.k, s.m) : Matrix(s.m, s.k);
    Matrix b = s.tb == Transpose::Yes ? Matrix(s.n, s.k) : Matrix(s.k, s.n);
    Matrix c(s.m, s.n);
    rng.fill_normal(a);
    rng.fill_normal(b);
    const double flops = 2.0 * s.m * s.n * s.k;
    std::vector<double> ours, eigen, probe;
    for (int r = 0; r < runs; ++r) {
#ifdef __wasm_simd128__
      probe.push_back(peak());
#endif
      ours.push_back(measure([&] { gemm(s.ta, s.tb, 1.0f, a, b, 0.0f, c); }, flops, min_seconds));
      eigen.push_back(measure([&] { gemm_eigen(s.ta, s.tb, 1.0f, a, b, 0.0f, c); }, flops, min_seconds));
    }
    sink = sink + c(0, 0);
    print_runs(s.what, "gemm", ours);
    print_runs(s.what, "eigen", eigen);
    if (!probe.empty()) print_runs(s.what, "peak", probe);
  }
  return 0;
}
