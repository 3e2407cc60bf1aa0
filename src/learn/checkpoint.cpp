#include "learn/checkpoint.h"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

namespace fwdlab {
namespace {

constexpr const char* kMagic = "FWDLAB checkpoint";
constexpr std::size_t kMaxIdentity = 4096;

std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", v);
  return text;
}

// The first `key=value` item that differs between two identities, for the error message.
std::string first_difference(const std::string& stored, const std::string& wanted) {
  std::istringstream a(stored), b(wanted);
  std::string x, y;
  while (std::getline(a, x, ';') && std::getline(b, y, ';')) {
    if (x != y) return "checkpoint has " + x + ", this run has " + y;
  }
  return "checkpoint identity '" + stored + "'";
}

}  // namespace

std::string training_identity(const Config& c) {
  std::ostringstream id;
  id << "rule=" << c.rule << ";dataset=" << c.dataset << ";hidden=" << format_layer_sizes(c.hidden)
     << ";seed=" << c.seed << ";batch=" << c.batch << ";train_limit=" << c.train_limit
     << ";optimizer=" << c.optimizer << ";lr=" << number(c.lr) << ";momentum=" << number(c.momentum)
     << ";beta1=" << number(c.beta1) << ";beta2=" << number(c.beta2) << ";adam_eps=" << number(c.adam_eps)
     << ";weight_decay=" << number(c.weight_decay) << ";lr_decay=" << number(c.lr_decay)
     << ";ff_theta=" << number(c.ff_theta) << ";ff_goodness=" << c.ff_goodness << ";ff_norm=" << c.ff_norm
     << ";ff_negatives=" << c.ff_negatives << ";ff_schedule=" << c.ff_schedule
     << ";ff_peer_norm=" << number(c.ff_peer_norm) << ";readout_lr=" << number(c.readout_lr)
     << ";fg_tangents=" << c.fg_tangents << ";fga_skip_inactive=" << c.fga_skip_inactive
     << ";lg_groups=" << c.lg_groups << ";report_cosine=" << c.report_cosine;
  return id.str();
}

std::vector<std::uint8_t> checkpoint_bytes(Session& session) {
  StateWriter out;
  out.string(kMagic);
  out.u64(kCheckpointVersion);
  out.string(training_identity(session.config()));
  session.write_state(out);
  return out.bytes();
}

void save_checkpoint(const std::string& path, Session& session) {
  const std::vector<std::uint8_t> bytes = checkpoint_bytes(session);

  const std::string temporary = path + ".tmp";
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    file.flush();
    if (!file) throw CheckpointError(temporary + ": cannot write the checkpoint (disk full or no permission?)");
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    throw CheckpointError(path + ": cannot replace the checkpoint with " + temporary);
  }
}

bool load_checkpoint(const std::string& path, Session& session) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return false;
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  load_checkpoint_bytes(bytes.data(), bytes.size(), path, session);
  return true;
}

void load_checkpoint_bytes(const std::uint8_t* data, std::size_t size, const std::string& source, Session& session) {
  StateReader in(data, size, source);
  if (in.string("magic", 64) != kMagic) in.fail("not a Forward Lab checkpoint");
  const std::uint64_t version = in.u64("version");
  if (version != kCheckpointVersion) {
    in.fail("checkpoint version " + std::to_string(version) + ", this build reads version " +
            std::to_string(kCheckpointVersion));
  }
  const std::string stored = in.string("run identity", kMaxIdentity);
  const std::string wanted = training_identity(session.config());
  if (stored != wanted) {
    in.fail("written by another run (" + first_difference(stored, wanted) +
            "); pass the same options, or delete the file to start afresh");
  }
  session.read_state(in);
}

}  // namespace fwdlab
