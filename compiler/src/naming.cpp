// Constraint names exactly as PostgreSQL 15 chooses them (src/backend/commands/indexcmds.c,
// makeObjectName).
#include "naming.hpp"

#include <algorithm>

namespace migc::compiler {
namespace {

/// The longest prefix of `s` of at most `bytes` bytes that ends on a character boundary
/// (pg_mbcliplen).
std::string_view clip(std::string_view s, std::size_t bytes) {
  if (s.size() <= bytes) return s;
  while (bytes > 0 && (static_cast<unsigned char>(s[bytes]) & 0xC0) == 0x80) --bytes;
  return s.substr(0, bytes);
}

std::string make_object_name(std::string_view name1, std::string_view name2,
                             std::string_view label) {
  std::size_t overhead = 0;
  if (!name2.empty()) overhead += 1;
  if (!label.empty()) overhead += label.size() + 1;
  std::size_t const available = max_identifier_bytes - std::min(overhead, max_identifier_bytes);
  std::size_t chars1 = name1.size();
  std::size_t chars2 = name2.size();
  while (chars1 + chars2 > available) {
    if (chars1 > chars2) {
      --chars1;
    } else {
      --chars2;
    }
  }
  std::string out(clip(name1, chars1));
  if (!name2.empty()) out += "_" + std::string(clip(name2, chars2));
  if (!label.empty()) out += "_" + std::string(label);
  return out;
}

}  // namespace

std::string join_names(std::vector<std::string> const& names) {
  std::string out;
  for (auto const& n : names) {
    if (!out.empty()) out += '_';
    out += n;
    if (out.size() >= max_identifier_bytes) break;
  }
  return out;
}

std::string choose_name(std::string_view table, std::string_view columns, std::string_view label,
                        std::vector<std::string> const& used) {
  return choose_name(table, columns, label, [&](std::string const& name) {
    return std::find(used.begin(), used.end(), name) != used.end();
  });
}

std::string choose_name(std::string_view table, std::string_view columns, std::string_view label,
                        std::function<bool(std::string const&)> const& is_used) {
  std::string modified(label);
  for (int pass = 1;; ++pass) {
    std::string name = make_object_name(table, columns, modified);
    if (!is_used(name)) return name;
    modified = std::string(label) + std::to_string(pass);
  }
}

}  // namespace migc::compiler
