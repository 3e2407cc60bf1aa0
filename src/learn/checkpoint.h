// Checkpoints: a training run saved whole, so a run that is killed (a session ends, a machine
// reboots) resumes where it stopped and continues bit-identically on the same build.
//
// Layout: "FWDLAB checkpoint" (string), u64 version, the run's identity (string: every Config
// field that shapes training, see training_identity), then Session::write_state (which ends with
// the weight average when the run keeps one; a checkpoint without it resumes with an empty one).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.h"
#include "learn/session.h"

namespace fwdlab {

constexpr std::uint64_t kCheckpointVersion = 1;

// Every Config field that changes what training does, as text. Epochs, test_limit and
// average_epochs are left out: a resumed run may be given more epochs, another evaluation subset
// or a weight average (which training never reads).
// Keep this in step with Config when a field is added.
std::string training_identity(const Config& config);

// Writes atomically (path + ".tmp", then rename), so a kill mid-write keeps the previous file.
void save_checkpoint(const std::string& path, Session& session);

// The bytes save_checkpoint writes, and their reader (load_checkpoint reads the file, then this;
// the fuzz target tests/fuzz/fuzz_checkpoint.cpp calls it directly).
std::vector<std::uint8_t> checkpoint_bytes(Session& session);
void load_checkpoint_bytes(const std::uint8_t* data, std::size_t size, const std::string& source, Session& session);

// Returns false when there is no file at `path`. Throws CheckpointError when the file is
// corrupt or was written by a run with another identity (naming the first difference).
bool load_checkpoint(const std::string& path, Session& session);

}  // namespace fwdlab
