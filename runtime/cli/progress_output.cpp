// A backfill's progress for people and for programs.
#include "progress_output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>

#include "presentation.hpp"

namespace migc::runtime::detail {
namespace {

using clock = std::chrono::steady_clock;

std::string bar(backfill_progress const& p) {
  constexpr int width = 30;
  std::string const head = fmt::format("Backfill of {} in {}", p.table, p.revision);
  if (!p.estimated_rows || *p.estimated_rows <= 0) return head + ": " + backfill_line(p);
  double const part =
      p.done ? 1.0
             : std::min(1.0, static_cast<double>(p.rows) / static_cast<double>(*p.estimated_rows));
  int const filled = static_cast<int>(part * width);
  std::string out = fmt::format("{} [{}{}] {:3.0f}% {} rows, {:.0f} rows/s", head,
                                std::string(static_cast<std::size_t>(filled), '#'),
                                std::string(static_cast<std::size_t>(width - filled), ' '),
                                part * 100, p.rows, backfill_rate(p));
  if (auto const left = backfill_seconds_left(p)) out += fmt::format(", ETA {:.0f} s", *left);
  return out;
}

nlohmann::json progress_json(backfill_progress const& p) {
  nlohmann::json j{{"revision", p.revision},
                   {"table", p.table},
                   {"rows", p.rows},
                   {"estimated_rows", nullptr},
                   {"elapsed_ms", p.elapsed.count()},
                   {"rows_per_second", backfill_rate(p)},
                   {"seconds_left", nullptr},
                   {"done", p.done}};
  if (p.estimated_rows) j["estimated_rows"] = *p.estimated_rows;
  if (auto const left = backfill_seconds_left(p)) j["seconds_left"] = *left;
  return {{"backfill", j}};
}

}  // namespace

std::function<void(backfill_progress const&)> backfill_reporter(output const& io) {
  // Shared so that the std::function stays copyable; one clock per reporter.
  auto last = std::make_shared<clock::time_point>(clock::now());
  output const* const where = &io;
  return [where, last](backfill_progress const& p) {
    auto const now = clock::now();
    if (where->json) {
      if (!p.done && now - *last < backfill_line_interval) return;
      *last = now;
      where->err << progress_json(p).dump() << std::endl;
    } else if (where->terminal) {
      if (!p.done && now - *last < std::chrono::milliseconds(100)) return;
      *last = now;
      where->out << "\r\x1b[2K" << bar(p) << (p.done ? "\n" : "") << std::flush;
    } else {
      if (!p.done && now - *last < backfill_line_interval) return;
      *last = now;
      where->out << backfill_line(p) << std::endl;
    }
  };
}

}  // namespace migc::runtime::detail
