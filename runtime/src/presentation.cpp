// Values as people read them: durations, lists, shortened hashes.
#include "presentation.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace migc::runtime::detail {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text == "0") return std::chrono::milliseconds(0);
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 9) return std::nullopt;
  long long n = 0;
  for (char const c : text.substr(0, digits)) n = n * 10 + (c - '0');
  std::string_view const unit = text.substr(digits);
  if (unit == "ms") return std::chrono::milliseconds(n);
  if (unit == "s") return std::chrono::seconds(n);
  if (unit == "min") return std::chrono::minutes(n);
  if (unit == "h") return std::chrono::hours(n);
  return std::nullopt;
}

std::string done_line(revision const& rev, direction dir, std::chrono::microseconds took) {
  return fmt::format("{} {} \"{}\" in {}", dir == direction::upgrade ? "Applied" : "Reverted",
                     rev.id, rev.description, format_duration(took));
}

std::string format_duration(std::chrono::microseconds duration) {
  double const ms = static_cast<double>(duration.count()) / 1000;
  if (ms < 999.5) return fmt::format("{:.0f} ms", ms);
  if (ms < 59950) return fmt::format("{:.1f} s", ms / 1000);
  auto const seconds = std::chrono::duration_cast<std::chrono::seconds>(duration).count();
  return fmt::format("{} min {} s", seconds / 60, seconds % 60);
}

std::string comma_list(std::vector<std::string> const& items) {
  std::string out;
  for (auto const& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string short_hash(std::string_view hash, std::string_view other) {
  constexpr std::string_view prefix = "sha256:";
  constexpr std::size_t shown = 12;
  if (hash.substr(0, prefix.size()) != prefix) return std::string(hash);
  std::size_t length = prefix.size() + shown;
  std::size_t const common =
      std::mismatch(hash.begin(), hash.end(), other.begin(), other.end()).first - hash.begin();
  if (!other.empty() && other != hash && common + 1 > length) length = common + 1;
  if (length >= hash.size()) return std::string(hash);
  return std::string(hash.substr(0, length)) + "...";
}

double backfill_rate(backfill_progress const& p) {
  double const seconds = static_cast<double>(p.elapsed.count()) / 1000;
  return seconds > 0 ? static_cast<double>(p.rows_this_run) / seconds : 0;
}

std::optional<double> backfill_seconds_left(backfill_progress const& p) {
  double const rate = backfill_rate(p);
  if (p.done || !p.estimated_rows || rate <= 0 || *p.estimated_rows <= p.rows) return std::nullopt;
  return static_cast<double>(*p.estimated_rows - p.rows) / rate;
}

std::string backfill_line(backfill_progress const& p) {
  std::string out = fmt::format("Backfill of {} in {}: {} rows", p.table, p.revision, p.rows);
  if (p.estimated_rows) out += fmt::format(" of about {}", std::max(*p.estimated_rows, p.rows));
  if (p.elapsed.count() > 0) out += fmt::format(", {:.0f} rows/s", backfill_rate(p));
  if (auto const left = backfill_seconds_left(p))
    out += fmt::format(", about {:.0f} s left", *left);
  return out + (p.done ? ", done" : "");
}

}  // namespace migc::runtime::detail
