// Revision file names: `YYYYMMDD_HHMM-NNN_slug.mig`, parsed by hand (no regex, exact rules).
#include <algorithm>
#include <cctype>
#include <migc/compiler/revision_files.hpp>

namespace migc::compiler {
namespace {

constexpr std::string_view extension = ".mig";

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_slug_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '-';
}

/// Length of the run of digits at the start of `text`.
std::size_t digit_run(std::string_view text) {
  auto const end = std::find_if_not(text.begin(), text.end(), is_digit);
  return static_cast<std::size_t>(end - text.begin());
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

/// Parses the `YYYYMMDD_HHMM-NNN_` prefix; returns the rest after it.
std::optional<std::string_view> parse_prefix(std::string_view name, revision_file_name& out) {
  // 8 digits, '_', 4 digits, '-'
  if (name.size() < 14 || digit_run(name) != 8 || name[8] != '_' ||
      digit_run(name.substr(9)) != 4 || name[13] != '-') {
    return std::nullopt;
  }
  out.timestamp = std::string(name.substr(0, 13));
  std::string_view rest = name.substr(14);
  std::size_t const id_length = digit_run(rest);
  if (id_length == 0 || id_length >= rest.size() || rest[id_length] != '_') return std::nullopt;
  out.id_digits = std::string(rest.substr(0, id_length));
  return rest.substr(id_length + 1);
}

bool is_ignored(std::string const& name) {
  return name.empty() || name[0] == '.' || name.rfind("README", 0) == 0;
}

}  // namespace

std::optional<revision_file_name> parse_revision_file_name(std::string_view name) {
  revision_file_name parts;
  auto const rest = parse_prefix(name, parts);
  if (!rest || !ends_with(*rest, extension)) return std::nullopt;
  std::string_view const slug = rest->substr(0, rest->size() - extension.size());
  if (slug.empty() || !std::all_of(slug.begin(), slug.end(), is_slug_char)) return std::nullopt;
  parts.slug = std::string(slug);
  return parts;
}

bool looks_like_revision_file(std::string_view name) {
  revision_file_name ignored;
  return parse_prefix(name, ignored).has_value();
}

folder_scan scan_migrations_folder(std::filesystem::path const& folder) {
  folder_scan scan;
  for (auto const& entry : std::filesystem::directory_iterator(folder)) {
    std::string const name = entry.path().filename().string();
    if (is_ignored(name)) continue;
    // Anything named `*.mig` is a revision, even a folder or a dangling link: reading it then fails
    // with the reason (`io`), rather than a revision silently missing from the build.
    bool const is_mig = ends_with(name, extension);
    (is_mig ? scan.revisions : scan.strays).push_back(entry.path());
  }
  // Directory order differs between file systems; the output must not.
  std::sort(scan.revisions.begin(), scan.revisions.end());
  std::sort(scan.strays.begin(), scan.strays.end());
  return scan;
}

std::string slugify(std::string_view description) {
  std::string slug;
  for (char c : description) {
    auto const byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) && byte < 0x80) {
      slug += static_cast<char>(std::tolower(byte));
    } else if (!slug.empty() && slug.back() != '_') {
      slug += '_';
    }
  }
  while (!slug.empty() && slug.back() == '_') slug.pop_back();
  return slug.empty() ? "revision" : slug;
}

}  // namespace migc::compiler
