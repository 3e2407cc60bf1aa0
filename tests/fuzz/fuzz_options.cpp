// libFuzzer target: every parser of untrusted text in the C++ code, through the front door a user
// has: `fwdlab train` arguments (NUL-separated in the input), which reach parse_layer_sizes, the
// number/integer/boolean parsers and Config validation. UsageError and ConfigError are the
// expected answers; a crash, a sanitizer report or any other exception is a bug. A config that
// passes validation must also be one the core accepts again (validate is idempotent) and whose
// layer sizes print back to the same list.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/options.h"
#include "core/config.h"

using namespace fwdlab;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;  // long inputs find nothing new here and slow the search
  std::vector<std::string> args;
  std::string current;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      args.push_back(current);
      current.clear();
    } else {
      current.push_back(static_cast<char>(data[i]));
    }
  }
  args.push_back(current);
  try {
    const cli::TrainOptions options = cli::parse_train_options(args);
    validate(options.config, 60000);
    validate(options.config);
    if (parse_layer_sizes(format_layer_sizes(options.config.hidden)) != options.config.hidden) __builtin_trap();
  } catch (const cli::UsageError&) {
  } catch (const ConfigError&) {
  }
  // The layer-size parser alone, on the raw text (the CLI's --hidden and the page's share links).
  try {
    const auto sizes = parse_layer_sizes(std::string(reinterpret_cast<const char*>(data), size));
    if (sizes.empty()) __builtin_trap();
  } catch (const ConfigError&) {
  }
  return 0;
}
