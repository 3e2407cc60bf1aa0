// libFuzzer target: the training-checkpoint reader (fwdlab train --checkpoint FILE resumes from
// it). The first input byte picks one of a few small runs; the rest is the checkpoint. A fresh
// Session is built for every input, since a refused checkpoint may have been read in part.
// CheckpointError is the expected answer to a bad file. An accepted one must leave a session
// that trains: two more steps, which may only end in a DivergenceError (the file's weights can
// be anything finite or not), never in a crash or a sanitizer report.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/state_stream.h"
#include "fuzz_models.h"
#include "learn/checkpoint.h"
#include "learn/session.h"

using namespace fwdlab;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const auto& runs = fuzz::checkpoint_runs();
  const Config& config = runs[data[0] % runs.size()];
  Session session(config, fuzz::tiny_data(), fuzz::tiny_data());
  try {
    load_checkpoint_bytes(data + 1, size - 1, "fuzz.ckpt", session);
  } catch (const CheckpointError&) {
    return 0;
  }
  try {
    for (int i = 0; i < 2 && !session.finished(); ++i) session.step();
  } catch (const DivergenceError&) {
  }
  return 0;
}
