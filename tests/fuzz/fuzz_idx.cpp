// libFuzzer target: the IDX reader on arbitrary bytes, as the wasm bindings and the CLI call it.
// The first input byte picks images or labels (so one corpus exercises both headers); the rest
// is the file. A DataError is the expected answer to a bad file; anything else (a crash, a
// sanitizer report, another exception type) is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/dataset.h"
#include "core/idx.h"

using namespace fwdlab;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const bool want_images = (data[0] & 1) == 0;
  const std::uint8_t* file = data + 1;
  const std::size_t file_size = size - 1;
  try {
    if (want_images) {
      IdxImages images = parse_idx_images(file, file_size, "fuzz images");
      // What every front end does next: the 28x28 check, then pairing with as many labels.
      require_28x28(images, "fuzz images");
      IdxLabels labels;
      labels.count = images.count;
      labels.labels.assign(static_cast<std::size_t>(images.count), 0);
      Dataset d = Dataset::from_idx(std::move(images), std::move(labels), "fuzz");
      if (d.count > 0) (void)d.head(1);
    } else {
      IdxLabels labels = parse_idx_labels(file, file_size, "fuzz labels");
      for (int i = 0; i < labels.count; ++i) {
        if (labels.labels[static_cast<std::size_t>(i)] > 9) __builtin_trap();  // the reader promised 0..9
      }
    }
  } catch (const DataError&) {
  }
  return 0;
}
