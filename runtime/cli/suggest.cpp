// "did you mean": other tools' words for our commands, and near misses by edit distance.
#include "suggest.hpp"

#include <algorithm>
#include <utility>

namespace migc::runtime::detail {
namespace {

/// Optimal string alignment distance (Damerau-Levenshtein without repeated edits of a substring).
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t const cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

/// What other migration tools call our commands.
constexpr std::pair<std::string_view, std::string_view> other_tools_words[] = {
    {"info", "status"},      {"state", "status"},       {"up", "upgrade"},
    {"migrate", "upgrade"},  {"apply", "upgrade"},      {"down", "downgrade"},
    {"revert", "downgrade"}, {"rollback", "downgrade"}, {"undo", "downgrade"},
    {"validate", "verify"},  {"check", "verify"},       {"baseline", "stamp"},
    {"repair", "resolve"},   {"log", "history"},        {"dump", "sql"},
    {"print", "sql"},        {"branches", "graph"},     {"heads", "list"},
};

}  // namespace

std::optional<std::string> suggest_command(std::string_view word,
                                           std::vector<std::string> const& commands) {
  for (auto const& [theirs, ours] : other_tools_words) {
    if (word == theirs) return std::string(ours);
  }
  std::optional<std::string> best;
  std::size_t best_distance = 3;
  for (std::string const& command : commands) {
    std::size_t const distance = edit_distance(word, command);
    std::size_t const allowed = command.size() >= 5 ? 2 : 1;  // "ls" is no near miss of "sql"
    if (distance <= allowed && distance < best_distance) {
      best = command;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace migc::runtime::detail
