// A synthetic dataset of one day for the emulator (docs/emulator.md, "Synthetic datasets"): a
// LONG sequence `id`, a DATETIME timeline `event_time` over the day, and a text column. The
// service's and the fleet's tests use it for a run long enough to be caught in its middle.
//
// Thread-safety: a pure function.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "support/emulator.h"

namespace s3u::testing {

// `id`, `name`: the dataset's; `day`: YYYY-MM-DD (its rows run from `day` 00:00 to
// `next_day` 00:00); `text_column`: the third column's name.
inline nlohmann::json OneDayDataset(const std::string& id, const std::string& name,
                                    const std::string& day, const std::string& next_day,
                                    long long rows, int seed, const std::string& text_column) {
  return {
      {"id", id},
      {"name", name},
      {"owner", StandardDomo::kOwnerUserId},
      {"synthetic",
       {{"rows", rows},
        {"seed", seed},
        {"columns",
         {{{"name", "id"}, {"type", "LONG"}, {"kind", "sequence"}},
          {{"name", "event_time"},
           {"type", "DATETIME"},
           {"kind", "timeline"},
           {"from", day + "T00:00:00"},
           {"to", next_day + "T00:00:00"}},
          {{"name", text_column}, {"type", "STRING"}, {"kind", "text"}, {"max_length", 40}}}}}}};
}

}  // namespace s3u::testing
