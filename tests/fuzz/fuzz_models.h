// The small runs shared by the checkpoint fuzz target and the seed writer (make_seeds.cpp), so
// the seeds match what the target loads them into.
#pragma once

#include <memory>
#include <vector>

#include "core/config.h"
#include "core/dataset.h"

namespace fwdlab::fuzz {

// 40 distinct 4x4 images with labels 0..9: small enough for fast steps and seeds under 8 kB.
inline std::shared_ptr<const Dataset> tiny_data() {
  static const auto data = [] {
    Dataset d;
    d.name = "tiny";
    d.count = 40;
    d.rows = 4;
    d.cols = 4;
    for (int i = 0; i < d.count; ++i) {
      for (int j = 0; j < 16; ++j) d.pixels.push_back(static_cast<std::uint8_t>((i * 31 + j * 17) % 256));
      d.labels.push_back(static_cast<std::uint8_t>(i % 10));
    }
    return std::make_shared<const Dataset>(std::move(d));
  }();
  return data;
}

// bp; ff with the greedy schedule (begin_epoch depends on the stored epoch); lg-fga; fgw with SGD.
inline const std::vector<Config>& checkpoint_runs() {
  static const std::vector<Config> runs = [] {
    std::vector<Config> out;
    auto add = [&](const char* rule, std::vector<int> hidden) -> Config& {
      Config c;
      c.rule = rule;
      c.hidden = std::move(hidden);
      c.batch = 8;
      c.epochs = 3;
      out.push_back(c);
      return out.back();
    };
    add("bp", {3, 2});
    add("ff", {4, 4}).ff_schedule = "greedy";
    add("lg-fga", {2, 2});
    add("fgw", {5}).optimizer = "sgd";
    return out;
  }();
  return runs;
}

}  // namespace fwdlab::fuzz
