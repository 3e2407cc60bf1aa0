// Checkpoints: a run saved midway and resumed in a fresh process continues bit-identically, for
// every rule; a corrupt or foreign checkpoint raises CheckpointError and is never half-trusted.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>

#include "learn/checkpoint.h"
#include "test_support.h"

using namespace fwdlab;

namespace {

Config small_config(const std::string& rule) {
  Config c;
  c.rule = rule;
  c.hidden = {16, 12};
  c.batch = 10;
  c.train_limit = 200;  // 20 steps per epoch
  c.test_limit = 50;
  c.epochs = 4;
  c.seed = 3;
  c.lg_groups = rule.rfind("lg-", 0) == 0 ? 2 : 1;
  c.ff_theta = 16;
  c.ff_peer_norm = rule == "ff" ? 0.03 : 0.0;  // exercises the running means
  return c;
}

bool same_state(Session& a, Session& b) {
  if (a.steps() != b.steps() || a.last_batch_indices() != b.last_batch_indices()) return false;
  const auto pa = a.trainer().parameters();
  const auto pb = b.trainer().parameters();
  if (pa.size() != pb.size()) return false;
  for (std::size_t i = 0; i < pa.size(); ++i) {
    if (!test::same_bits(pa[i]->value, pb[i]->value) || !test::same_bits(pa[i]->slot1, pb[i]->slot1) ||
        !test::same_bits(pa[i]->slot2, pb[i]->slot2) || pa[i]->steps != pb[i]->steps) {
      return false;
    }
  }
  return true;
}

std::string temp_path(const std::string& name) { return std::string(FWDLAB_TEST_TMP_DIR) + "/" + name; }

std::vector<char> read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void write_all(const std::string& path, const std::vector<char>& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

TEST_CASE("a run resumed from a checkpoint continues bit-identically", "[checkpoint]") {
  for (const std::string& rule : known_rules()) {
    for (const std::string schedule : {"together", "greedy"}) {
      if (schedule == "greedy" && rule != "ff") continue;
      DYNAMIC_SECTION(rule << " " << schedule) {
        Config c = small_config(rule);
        c.ff_schedule = schedule;
        const std::string path = temp_path("resume-" + rule + "-" + schedule + ".ckpt");

        auto straight = test::mnist_session(c);
        for (int i = 0; i < 50; ++i) straight->step();  // 2.5 epochs: the cut falls mid-epoch

        auto first = test::mnist_session(c);
        for (int i = 0; i < 25; ++i) first->step();
        save_checkpoint(path, *first);
        first.reset();  // nothing survives but the file

        auto resumed = test::mnist_session(c);
        REQUIRE(load_checkpoint(path, *resumed));
        CHECK(resumed->steps() == 25);
        for (int i = 0; i < 25; ++i) resumed->step();
        CHECK(same_state(*straight, *resumed));

        // Without the extra state (random streams) the continuation differs: the test can fail.
        auto fresh = test::mnist_session(c);
        for (int i = 0; i < 25; ++i) fresh->step();
        CHECK_FALSE(same_state(*straight, *fresh));
        std::remove(path.c_str());
      }
    }
  }
}

TEST_CASE("no checkpoint file means a fresh start", "[checkpoint]") {
  auto s = test::mnist_session(small_config("bp"));
  CHECK_FALSE(load_checkpoint(temp_path("does-not-exist.ckpt"), *s));
  CHECK(s->steps() == 0);
}

TEST_CASE("a checkpoint of another run is refused, naming the difference", "[checkpoint]") {
  const std::string path = temp_path("foreign.ckpt");
  Config c = small_config("bp");
  auto s = test::mnist_session(c);
  s->step();
  save_checkpoint(path, *s);
  c.lr = 0.5;
  auto other = test::mnist_session(c);
  CHECK_THROWS_WITH(load_checkpoint(path, *other),
                    Catch::Contains("checkpoint has lr=0.001") && Catch::Contains("this run has lr=0.5"));
  c.lr = small_config("bp").lr;
  c.epochs = 9;  // more epochs is the same run, continued
  auto longer = test::mnist_session(c);
  CHECK(load_checkpoint(path, *longer));
  std::remove(path.c_str());
}

TEST_CASE("every truncation and corruption of a checkpoint raises CheckpointError", "[checkpoint]") {
  const Config c = small_config("ff");
  const std::string good = temp_path("good.ckpt");
  const std::string bad = temp_path("bad.ckpt");
  {
    auto s = test::mnist_session(c);
    for (int i = 0; i < 3; ++i) s->step();
    save_checkpoint(good, *s);
  }
  const std::vector<char> bytes = read_all(good);
  REQUIRE(bytes.size() > 1000);

  SECTION("truncated anywhere") {
    for (std::size_t length = 0; length < bytes.size(); length += 1 + length / 8) {
      write_all(bad, std::vector<char>(bytes.begin(), bytes.begin() + static_cast<long>(length)));
      auto s = test::mnist_session(c);
      CHECK_THROWS_AS(load_checkpoint(bad, *s), CheckpointError);
    }
  }
  SECTION("trailing garbage") {
    std::vector<char> longer = bytes;
    longer.push_back('x');
    write_all(bad, longer);
    auto s = test::mnist_session(c);
    CHECK_THROWS_WITH(load_checkpoint(bad, *s), Catch::Contains("unexpected bytes"));
  }
  SECTION("wrong magic") {
    std::vector<char> wrong = bytes;
    wrong[8] = 'X';  // first byte of the magic string, after its 8-byte length
    write_all(bad, wrong);
    auto s = test::mnist_session(c);
    CHECK_THROWS_WITH(load_checkpoint(bad, *s), Catch::Contains("not a Forward Lab checkpoint"));
  }
  SECTION("a data order that is not a permutation") {
    // Find the data order (the 200-entry list right after its length) and duplicate an index.
    std::vector<char> wrong = bytes;
    const std::uint64_t count = 200;
    std::size_t at = 0;
    for (std::size_t i = 0; i + 8 <= wrong.size(); ++i) {
      if (std::memcmp(&wrong[i], &count, 8) == 0) {
        at = i + 8;
        break;
      }
    }
    REQUIRE(at > 0);
    std::memcpy(&wrong[at], &wrong[at + 8], 8);
    write_all(bad, wrong);
    auto s = test::mnist_session(c);
    CHECK_THROWS_WITH(load_checkpoint(bad, *s), Catch::Contains("not a permutation"));
  }
  std::remove(good.c_str());
  std::remove(bad.c_str());
}

TEST_CASE("a checkpoint's largest accepted epoch does not overflow the greedy FF schedule", "[checkpoint]") {
  // Found by fuzz_checkpoint's reasoning: the reader accepts epochs up to 2^30, and the greedy
  // schedule computed epoch * depth in int (2^31 for 2 layers: undefined behaviour, which the
  // ASan/UBSan build stops on). Loading calls begin_epoch with it; the run then goes on.
  Config c = small_config("ff");
  c.ff_schedule = "greedy";
  auto session = test::mnist_session(c);
  session->step();
  std::vector<std::uint8_t> bytes = checkpoint_bytes(*session);
  // magic (u64 length + 17 bytes), version, identity (u64 length + text), step count, then the epoch.
  const std::size_t epoch_at = 8 + 17 + 8 + 8 + training_identity(c).size() + 8;
  const std::uint64_t epoch = std::uint64_t{1} << 30;
  for (int i = 0; i < 8; ++i) bytes[epoch_at + i] = static_cast<std::uint8_t>(epoch >> (8 * i));
  auto resumed = test::mnist_session(c);
  load_checkpoint_bytes(bytes.data(), bytes.size(), "patched.ckpt", *resumed);
  CHECK(resumed->steps() == 1);
  CHECK(std::isfinite(resumed->step().loss));
}
