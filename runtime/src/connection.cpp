// Conninfo resolution, fallback application name, and password redaction.
#include "connection.hpp"

#include <algorithm>
#include <cstdlib>
#include <migc/runtime/error.hpp>
#include <pqxx/connection>
#include <pqxx/except>
#include <vector>

namespace migc::runtime::detail {
namespace {

constexpr std::string_view mask = "***";

bool is_url(std::string_view conninfo) {
  return conninfo.rfind("postgresql://", 0) == 0 || conninfo.rfind("postgres://", 0) == 0;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/// A half-open byte range [begin, end) of a password value inside a string.
struct span {
  std::size_t begin;
  std::size_t end;
};

/// Password ranges of a URL: user-info `user:PASSWORD@` and `password=` query parameters.
std::vector<span> url_password_spans(std::string_view url) {
  std::vector<span> out;
  std::size_t const authority = url.find("://") + 3;
  std::size_t authority_end = url.find_first_of("/?", authority);
  if (authority_end == std::string_view::npos) authority_end = url.size();
  // libpq splits user-info at the last '@' of the authority.
  std::size_t const at = url.substr(0, authority_end).rfind('@');
  if (at != std::string_view::npos && at >= authority) {
    std::size_t const colon = url.substr(0, at).find(':', authority);
    if (colon != std::string_view::npos) out.push_back({colon + 1, at});
  }
  std::size_t const query = url.find('?', authority);
  if (query == std::string_view::npos) return out;
  std::size_t pos = query + 1;
  while (pos < url.size()) {
    std::size_t end = url.find('&', pos);
    if (end == std::string_view::npos) end = url.size();
    std::string_view const param = url.substr(pos, end - pos);
    if (param.rfind("password=", 0) == 0) out.push_back({pos + 9, end});
    pos = end + 1;
  }
  return out;
}

/**
 * Password value ranges of `key = value` pairs anywhere in `text` (a
 * conninfo, or an error message quoting one). Values may be single-quoted
 * with backslash escapes, as libpq allows.
 */
std::vector<span> keyword_password_spans(std::string_view text) {
  std::vector<span> out;
  constexpr std::string_view key = "password";
  for (std::size_t pos = text.find(key); pos != std::string_view::npos;
       pos = text.find(key, pos + 1)) {
    bool const starts_word = pos == 0 || is_space(text[pos - 1]) || text[pos - 1] == '\'' ||
                             text[pos - 1] == '"' || text[pos - 1] == '(';
    if (!starts_word) continue;
    std::size_t i = pos + key.size();
    while (i < text.size() && is_space(text[i])) ++i;
    if (i >= text.size() || text[i] != '=') continue;
    ++i;
    while (i < text.size() && is_space(text[i])) ++i;
    std::size_t const begin = i;
    if (i < text.size() && text[i] == '\'') {
      ++i;
      while (i < text.size() && text[i] != '\'') i += text[i] == '\\' ? 2 : 1;
      i = std::min(i + 1, text.size());
    } else {
      while (i < text.size() && !is_space(text[i])) ++i;
    }
    if (i > begin) out.push_back({begin, i});
  }
  return out;
}

/// Password ranges of a conninfo, URL or key=value.
std::vector<span> password_spans(std::string_view conninfo) {
  return is_url(conninfo) ? url_password_spans(conninfo) : keyword_password_spans(conninfo);
}

std::string replace_spans(std::string_view text, std::vector<span> spans) {
  std::sort(spans.begin(), spans.end(), [](span a, span b) { return a.begin < b.begin; });
  std::string out;
  std::size_t pos = 0;
  for (span const& s : spans) {
    if (s.begin < pos) continue;  // overlapping match: already masked
    out.append(text.substr(pos, s.begin - pos));
    out.append(mask);
    pos = s.end;
  }
  out.append(text.substr(pos));
  return out;
}

/// The raw password values present in a conninfo (percent-encoding left as written).
std::vector<std::string> password_values(std::string_view conninfo) {
  std::vector<std::string> out;
  for (span const& s : password_spans(conninfo)) {
    std::string value(conninfo.substr(s.begin, s.end - s.begin));
    if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') {
      value = value.substr(1, value.size() - 2);
    }
    if (!value.empty()) out.push_back(std::move(value));
  }
  return out;
}

/// libpq's multi-line message ("...failed: ...\n\tIs the server running ...?\n") as one line.
std::string one_line(std::string_view message) {
  std::string out;
  bool space = false;
  for (char const c : message) {
    if (is_space(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

std::string resolve_conninfo(std::optional<std::string> const& database_url) {
  if (database_url) return *database_url;
  if (char const* env = std::getenv("DATABASE_URL"); env != nullptr && *env != '\0') return env;
  return {};
}

std::string with_parameter(std::string conninfo, std::string_view key, std::string_view value) {
  if (conninfo.find(std::string(key) + "=") != std::string::npos) return conninfo;
  if (is_url(conninfo)) {
    conninfo += conninfo.find('?') == std::string::npos ? '?' : '&';
  } else if (!conninfo.empty()) {
    conninfo += ' ';
  }
  return conninfo.append(key).append("=").append(value);
}

std::string with_fallback_application_name(std::string conninfo) {
  return with_parameter(std::move(conninfo), "fallback_application_name", "migrate");
}

std::string redact(std::string_view conninfo) {
  return replace_spans(conninfo, password_spans(conninfo));
}

std::string sanitize(std::string_view message, std::string_view conninfo) {
  std::vector<span> spans = keyword_password_spans(message);
  // URLs quoted inside the message.
  for (std::string_view scheme : {"postgresql://", "postgres://"}) {
    for (std::size_t pos = message.find(scheme); pos != std::string_view::npos;
         pos = message.find(scheme, pos + 1)) {
      std::size_t end = pos;
      while (end < message.size() && !is_space(message[end]) && message[end] != '"' &&
             message[end] != '\'') {
        ++end;
      }
      for (span s : url_password_spans(message.substr(pos, end - pos))) {
        spans.push_back({pos + s.begin, pos + s.end});
      }
    }
  }
  std::string out = replace_spans(message, std::move(spans));
  for (std::string const& password : password_values(conninfo)) {
    for (std::size_t pos = out.find(password); pos != std::string::npos;
         pos = out.find(password, pos + mask.size())) {
      out.replace(pos, password.size(), mask);
    }
  }
  return out;
}

std::unique_ptr<pqxx::connection> connect(std::string const& conninfo) {
  try {
    return std::make_unique<pqxx::connection>(conninfo);
  } catch (std::exception const& e) {
    // libpq's message names the host/socket it tried; the conninfo itself is not repeated.
    throw connection_error("cannot connect to the database: " +
                           one_line(sanitize(e.what(), conninfo)));
  }
}

}  // namespace migc::runtime::detail
