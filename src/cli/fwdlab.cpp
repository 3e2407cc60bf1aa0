// fwdlab: the native command-line trainer.
//
//   fwdlab train --rule bp --hidden 1024,1024 --epochs 5 --batch 64 --lr 1e-3 --opt adam --seed 1
//
// Human-readable progress goes to stderr; with --json, stdout carries one JSON object per line
// ("type": "config", "eval", "epoch", then "summary" last) for scripts.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif
#include <Eigen/Core>

#include "cli/options.h"
#include "core/weights_io.h"
#include "learn/checkpoint.h"
#include "learn/session.h"

namespace {

using namespace fwdlab;
using Clock = std::chrono::steady_clock;

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  std::ostringstream out;
  out.precision(7);
  out << v;
  return out.str();
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void append_figures(std::ostringstream& out, const std::map<std::string, double>& figures) {
  for (const auto& [name, value] : figures) out << "," << json_string(name) << ":" << json_number(value);
}

// The averaged weights' figures (--average-epochs) under "average_" names; nothing without them.
void append_average(std::ostringstream& out, const Evaluation& average) {
  if (average.count == 0) return;
  out << ",\"average_test_accuracy\":" << json_number(average.accuracy) << ",\"average_test_error\":"
      << json_number(1 - average.accuracy) << ",\"average_test_loss\":" << json_number(average.loss);
  for (const auto& [name, value] : average.figures) out << "," << json_string("average_" + name) << ":" << json_number(value);
}

class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  void update(int epoch, int epochs, long step_in_epoch, long steps_per_epoch, double examples_per_second,
              double loss, double eta_seconds) {
    if (!enabled_) return;
    const int width = 24;
    const int filled = static_cast<int>(width * step_in_epoch / std::max(1L, steps_per_epoch));
    std::fprintf(stderr, "\repoch %d/%d [%s%s] %5.1f%%  loss %.4f  %.0f ex/s  ETA %s   ", epoch + 1, epochs,
                 std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                 100.0 * step_in_epoch / std::max(1L, steps_per_epoch), loss, examples_per_second,
                 format_duration(eta_seconds).c_str());
    std::fflush(stderr);
    dirty_ = true;
  }
  void clear() {
    if (enabled_ && dirty_) std::fprintf(stderr, "\r%s\r", std::string(100, ' ').c_str());
    dirty_ = false;
  }
  static std::string format_duration(double s) {
    if (!std::isfinite(s) || s < 0) return "--";
    char buf[32];
    const long t = static_cast<long>(s + 0.5);
    if (t >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t / 60) % 60);
    else std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
    return buf;
  }

 private:
  bool enabled_;
  bool dirty_ = false;
};

int run_train(const cli::TrainOptions& o) {
#ifdef _OPENMP
  if (o.threads > 0) omp_set_num_threads(o.threads);
#endif
  if (o.threads > 0) Eigen::setNbThreads(o.threads);
  validate(o.config);  // report config problems before spending time on loading data
  const auto load_start = Clock::now();
  DataSplit split = load_dataset(o.config.dataset, o.data_dir);
  auto train = std::make_shared<const Dataset>(std::move(split.train));
  auto test = std::make_shared<const Dataset>(std::move(split.test));
  Session session(o.config, train, test);
  const Config& c = session.config();
  if (!o.checkpoint_path.empty() && load_checkpoint(o.checkpoint_path, session)) {
    std::fprintf(stderr, "fwdlab: resumed from %s at step %ld (epoch %.2f)\n", o.checkpoint_path.c_str(),
                 session.steps(), static_cast<double>(session.steps()) / session.steps_per_epoch());
  }
  const long first_step = session.steps();  // > 0 when resumed: rates count this process's steps only
  const double load_seconds = std::chrono::duration<double>(Clock::now() - load_start).count();

  if (o.json) {
    std::cout << "{\"type\":\"config\",\"rule\":" << json_string(c.rule) << ",\"dataset\":" << json_string(c.dataset)
              << ",\"hidden\":[" << format_layer_sizes(c.hidden) << "],\"epochs\":" << c.epochs
              << ",\"batch\":" << c.batch << ",\"lr\":" << json_number(c.lr) << ",\"optimizer\":"
              << json_string(c.optimizer) << ",\"seed\":" << c.seed << ",\"train_examples\":"
              << session.train_data().count << ",\"test_examples\":" << session.test_data().count
              << ",\"threads\":" << Eigen::nbThreads() << "}" << std::endl;
  }
  std::fprintf(stderr, "fwdlab: rule %s, %s (%d train / %d test), hidden %s, batch %d, lr %g (%s), seed %llu, "
               "%d thread(s); data loaded in %.2f s\n",
               c.rule.c_str(), c.dataset.c_str(), session.train_data().count, session.test_data().count,
               format_layer_sizes(c.hidden).c_str(), c.batch, c.lr, c.optimizer.c_str(),
               static_cast<unsigned long long>(c.seed), Eigen::nbThreads(), load_seconds);

  ProgressBar bar(o.progress);
  const long total_steps = static_cast<long>(c.epochs) * session.steps_per_epoch();
  double train_seconds = 0.0;  // wall time in training steps only (evaluation excluded)
  // CPU time of the process in training steps: on a shared machine, wall time also counts the
  // time other programs held the core (scripts/bench compares engines by CPU time).
  double train_cpu_seconds = 0.0;
  const auto run_start = Clock::now();
  Evaluation last_eval;
  Evaluation last_average;  // of the averaged weights (--average-epochs); count 0 when there is none
  bool stopped_early = false;

  auto evaluate = [&](const char* type) {
    bar.clear();
    const auto t0 = Clock::now();
    last_eval = session.evaluate();
    const double eval_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    if (session.has_average()) last_average = session.evaluate_averaged();
    const double epoch_float = static_cast<double>(session.steps()) / session.steps_per_epoch();
    if (o.json) {
      std::ostringstream out;
      out << "{\"type\":\"" << type << "\",\"epoch\":" << json_number(epoch_float) << ",\"step\":" << session.steps()
          << ",\"examples\":" << session.examples_seen() << ",\"train_seconds\":" << json_number(train_seconds)
          << ",\"test_accuracy\":" << json_number(last_eval.accuracy) << ",\"test_loss\":"
          << json_number(last_eval.loss) << ",\"eval_seconds\":" << json_number(eval_seconds);
      append_figures(out, last_eval.figures);
      append_average(out, last_average);
      out << "}";
      std::cout << out.str() << std::endl;
    }
  };

  double loss_sum = 0.0;
  long loss_count = 0;
  std::map<std::string, double> figure_sums;
  while (!session.finished()) {
    const int epoch = session.epoch();
    const auto t0 = Clock::now();
    const std::clock_t cpu0 = std::clock();
    const StepMetrics m = session.step();
    train_cpu_seconds += static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC;
    train_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
    loss_sum += m.loss;
    ++loss_count;
    for (const auto& [name, value] : m.figures) figure_sums[name] += value;
    const long step_in_epoch = session.steps() - static_cast<long>(epoch) * session.steps_per_epoch();
    const double rate = (session.steps() - first_step) * c.batch / std::max(train_seconds, 1e-9);
    if (session.steps() % 20 == 0) {
      const double eta = (total_steps - session.steps()) * c.batch / rate;
      bar.update(epoch, c.epochs, step_in_epoch, session.steps_per_epoch(), rate, loss_sum / loss_count, eta);
    }
    const bool time_up = o.time_limit > 0 && train_seconds >= o.time_limit;
    const bool epoch_end = step_in_epoch == session.steps_per_epoch();
    // --eval-every N replaces the per-epoch evaluation (a full FF evaluation is 11 passes over the
    // test set and can cost more than an epoch of training); the last step is always evaluated.
    const bool evaluate_now = o.eval_every_steps > 0
                                  ? session.steps() % o.eval_every_steps == 0 || session.finished() || time_up
                                  : epoch_end || time_up;
    if (evaluate_now) evaluate(epoch_end || time_up ? "epoch" : "eval");
    if (epoch_end || time_up) {
      const double wall = std::chrono::duration<double>(Clock::now() - run_start).count();
      std::fprintf(stderr, "epoch %3d  train loss %.4f  %.0f ex/s  train %.1f s  wall %.1f s", epoch + 1,
                   loss_sum / loss_count, rate, train_seconds, wall);
      if (evaluate_now) {
        std::fprintf(stderr, "  test accuracy %.2f%%  test error %.2f%%", 100 * last_eval.accuracy,
                     100 * (1 - last_eval.accuracy));
        for (const auto& [name, value] : last_eval.figures) std::fprintf(stderr, "  %s %.4f", name.c_str(), value);
        if (last_average.count > 0) std::fprintf(stderr, "  averaged weights: test error %.2f%%", 100 * (1 - last_average.accuracy));
      }
      std::fprintf(stderr, "\n");
      if (o.json) {
        std::ostringstream out;
        out << "{\"type\":\"train\",\"epoch\":" << epoch + 1 << ",\"train_loss\":" << json_number(loss_sum / loss_count)
            << ",\"examples_per_second\":" << json_number(rate);
        for (const auto& [name, sum] : figure_sums) out << "," << json_string(name) << ":" << json_number(sum / loss_count);
        out << "}";
        std::cout << out.str() << std::endl;
      }
      loss_sum = 0.0;
      loss_count = 0;
      figure_sums.clear();
      if (!o.checkpoint_path.empty()) save_checkpoint(o.checkpoint_path, session);
    }
    if (time_up) {
      stopped_early = !session.finished();
      break;
    }
  }
  bar.clear();
  if (last_eval.count == 0) evaluate("epoch");  // resumed from a checkpoint of a finished run
  const double wall = std::chrono::duration<double>(Clock::now() - run_start).count();
  if (!o.save_path.empty()) {
    save_weights_file(o.save_path, c, session.train_data().features(), session.trainer().parameters());
    std::fprintf(stderr, "fwdlab: weights written to %s\n", o.save_path.c_str());
  }
  const double rate = (session.steps() - first_step) * c.batch / std::max(train_seconds, 1e-9);
  std::fprintf(stderr, "fwdlab: done: test accuracy %.2f%% (error %.2f%%), %.0f examples/s, %.1f s%s\n",
               100 * last_eval.accuracy, 100 * (1 - last_eval.accuracy), rate, wall,
               stopped_early ? " (stopped at the time limit)" : "");
  if (last_average.count > 0) {
    std::fprintf(stderr, "fwdlab: averaged weights (about the last %g epochs): test accuracy %.2f%% (error %.2f%%)\n",
                 c.average_epochs, 100 * last_average.accuracy, 100 * (1 - last_average.accuracy));
  }
  if (o.json) {
    std::ostringstream out;
    out << "{\"type\":\"summary\",\"rule\":" << json_string(c.rule) << ",\"test_accuracy\":"
        << json_number(last_eval.accuracy) << ",\"test_error\":" << json_number(1 - last_eval.accuracy)
        << ",\"test_loss\":" << json_number(last_eval.loss) << ",\"seconds\":" << json_number(wall)
        << ",\"train_seconds\":" << json_number(train_seconds) << ",\"examples_per_second\":" << json_number(rate)
        << ",\"train_cpu_seconds\":" << json_number(train_cpu_seconds) << ",\"examples_per_cpu_second\":"
        << json_number(session.examples_seen() / std::max(train_cpu_seconds, 1e-9)) << ",\"steps\":" << session.steps() << ",\"examples\":" << session.examples_seen()
        << ",\"stopped_early\":" << (stopped_early ? "true" : "false");
    append_figures(out, last_eval.figures);
    append_average(out, last_average);
    out << "}";
    std::cout << out.str() << std::endl;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << cli::usage();
    return args.empty() ? 2 : 0;
  }
  if (args[0] != "train") {
    std::cerr << "fwdlab: unknown command '" << args[0] << "' (see fwdlab --help)\n";
    return 2;
  }
  args.erase(args.begin());
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::cout << cli::usage();
      return 0;
    }
  }
  try {
    auto options = cli::parse_train_options(args);
    if (!isatty(STDERR_FILENO)) options.progress = false;  // no carriage-return noise in logs
    return run_train(options);
  } catch (const cli::UsageError& e) {
    std::cerr << "fwdlab: " << e.what() << "\n";
    return 2;
  } catch (const ConfigError& e) {
    std::cerr << "fwdlab: " << e.what() << "\n";
    return 2;
  } catch (const DivergenceError& e) {
    std::cerr << "\nfwdlab: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "\nfwdlab: " << e.what() << "\n";
    return 1;
  }
}
