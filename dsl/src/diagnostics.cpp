// diagnostic_engine (counting, --werror, error limit) and the text and JSON renderers.
#include <algorithm>
#include <migc/dsl/diagnostics.hpp>
#include <ostream>
#include <string_view>

#include "text_util.hpp"

namespace migc::dsl {

void diagnostic_engine::report(diagnostic d) {
  if (m_limit_reached) return;  // "stopping now": nothing after the limit message
  if (d.level == severity::warning && m_werror) {
    d.level = severity::error;
    d.promoted_from_warning = true;
  }
  if (d.level == severity::error && m_error_limit != 0 && m_errors >= m_error_limit) {
    m_limit_reached = true;
    diagnostic stop;
    stop.code = "error-limit";
    stop.message = "too many errors emitted, stopping now";
    m_diagnostics.push_back(std::move(stop));
    ++m_errors;
    return;
  }
  if (d.level == severity::error) ++m_errors;
  if (d.level == severity::warning) ++m_warnings;
  m_diagnostics.push_back(std::move(d));
}

namespace {

// ---------------------------------------------------------------- text

constexpr std::string_view ansi_reset = "\x1b[0m";
constexpr std::string_view ansi_bold = "\x1b[1m";
constexpr std::string_view ansi_red = "\x1b[1;31m";
constexpr std::string_view ansi_magenta = "\x1b[1;35m";
constexpr std::string_view ansi_cyan = "\x1b[1;36m";
constexpr std::string_view ansi_green = "\x1b[1;32m";

std::string_view label(severity level) {
  switch (level) {
    case severity::error:
      return "error";
    case severity::warning:
      return "warning";
    case severity::note:
      return "note";
  }
  return "error";
}

std::string_view colour_of(severity level) {
  switch (level) {
    case severity::error:
      return ansi_red;
    case severity::warning:
      return ansi_magenta;
    case severity::note:
      return ansi_cyan;
  }
  return ansi_red;
}

/// The line under a source line: tabs copied as tabs so the caret lines up
/// whatever the terminal's tab stops, one position per UTF-8 character.
std::string caret_line(std::string_view line, std::size_t begin, std::size_t end) {
  begin = std::min(begin, line.size());
  end = std::clamp(end, begin, line.size());
  std::string out;
  for (std::size_t i = 0; i < begin; ++i) {
    if (line[i] == '\t') {
      out += '\t';
    } else if (!detail::is_utf8_continuation(line[i])) {
      out += ' ';
    }
  }
  out += '^';
  for (std::size_t i = begin + 1; i < end; ++i) {
    if (!detail::is_utf8_continuation(line[i])) out += '~';
  }
  return out;
}

class text_renderer {
 public:
  text_renderer(std::ostream& out, bool color) : m_out(out), m_color(color) {}

  void render(diagnostic const& d) {
    heading(d.where, d.level, d.message, d.promoted_from_warning);
    snippet(d.where);
    for (note const& n : d.notes) {
      heading(n.where, severity::note, n.message, false);
      snippet(n.where);
    }
    if (d.help) m_out << paint("help:", ansi_cyan) << ' ' << *d.help << '\n';
  }

  void summary(std::size_t errors, std::size_t warnings) {
    if (errors == 0 && warnings == 0) return;
    auto const count = [](std::size_t n, std::string_view noun) {
      return std::to_string(n) + ' ' + std::string(noun) + (n == 1 ? "" : "s");
    };
    if (errors > 0) m_out << count(errors, "error");
    if (errors > 0 && warnings > 0) m_out << " and ";
    if (warnings > 0) m_out << count(warnings, "warning");
    m_out << " generated.\n";
  }

 private:
  std::string paint(std::string_view text, std::string_view style) const {
    if (!m_color) return std::string(text);
    return std::string(style) + std::string(text) + std::string(ansi_reset);
  }

  void heading(location const& where, severity level, std::string const& message, bool werror) {
    std::string place = "migc:";
    if (where.file != nullptr) {
      line_column const at = where.file->position(where.range.begin);
      place = where.file->path() + ':' + std::to_string(at.line) + ':' + std::to_string(at.column) +
              ':';
    }
    m_out << paint(place, ansi_bold) << ' '
          << paint(std::string(label(level)) + ':', colour_of(level)) << ' '
          << paint(message + (werror ? " [-Werror]" : ""), ansi_bold) << '\n';
  }

  void snippet(location const& where) {
    if (where.file == nullptr) return;
    source_file const& file = *where.file;
    line_column const at = file.position(where.range.begin);
    std::string_view const line = file.line_text(at.line);
    std::size_t const start = file.line_offset(at.line);
    std::size_t const begin = where.range.begin - start;
    std::size_t const end = std::max(where.range.end, where.range.begin) - start;
    m_out << line << '\n' << paint(caret_line(line, begin, end), ansi_green) << '\n';
  }

  std::ostream& m_out;
  bool m_color;
};

// ---------------------------------------------------------------- JSON

void write_json_string(std::ostream& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out << '"';
  while (!s.empty()) {
    std::size_t const n = detail::utf8_sequence_length(s);
    if (n == 0) {
      out << "\\ufffd";  // ill-formed UTF-8 would make the whole document invalid
      s.remove_prefix(1);
      continue;
    }
    char const c = s.front();
    switch (c) {
      case '"':
        out << "\\\"";
        break;
      case '\\':
        out << "\\\\";
        break;
      case '\b':
        out << "\\b";
        break;
      case '\f':
        out << "\\f";
        break;
      case '\n':
        out << "\\n";
        break;
      case '\r':
        out << "\\r";
        break;
      case '\t':
        out << "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out << "\\u00" << hex[(c >> 4) & 0xf] << hex[c & 0xf];
        } else {
          out << s.substr(0, n);
        }
    }
    s.remove_prefix(n);
  }
  out << '"';
}

void write_json_location(std::ostream& out, location const& where) {
  if (where.file == nullptr) {
    out << R"("file":null,"line":null,"column":null,"end_line":null,"end_column":null)";
    return;
  }
  line_column const begin = where.file->position(where.range.begin);
  line_column const end = where.file->position(std::max(where.range.end, where.range.begin));
  out << "\"file\":";
  write_json_string(out, where.file->path());
  out << ",\"line\":" << begin.line << ",\"column\":" << begin.column
      << ",\"end_line\":" << end.line << ",\"end_column\":" << end.column;
}

void write_json_diagnostic(std::ostream& out, diagnostic const& d) {
  out << "{\"severity\":";
  write_json_string(out, label(d.level));
  out << ",\"code\":";
  write_json_string(out, d.code);
  out << ',';
  write_json_location(out, d.where);
  out << ",\"message\":";
  write_json_string(out, d.message);
  out << ",\"notes\":[";
  for (std::size_t i = 0; i < d.notes.size(); ++i) {
    out << (i == 0 ? "{" : ",{");
    write_json_location(out, d.notes[i].where);
    out << ",\"message\":";
    write_json_string(out, d.notes[i].message);
    out << '}';
  }
  out << "],\"help\":";
  if (d.help) {
    write_json_string(out, *d.help);
  } else {
    out << "null";
  }
  out << '}';
}

}  // namespace

void render_text(std::ostream& out, diagnostic_engine const& engine, render_options options) {
  text_renderer renderer(out, options.color);
  for (diagnostic const& d : engine.diagnostics()) renderer.render(d);
  renderer.summary(engine.error_count(), engine.warning_count());
}

void render_json(std::ostream& out, diagnostic_engine const& engine) {
  out << "{\"format_version\":1,\"diagnostics\":[";
  bool first = true;
  for (diagnostic const& d : engine.diagnostics()) {
    if (!first) out << ',';
    first = false;
    write_json_diagnostic(out, d);
  }
  out << "]}\n";
}

}  // namespace migc::dsl
