// diagnostic_engine (counting, --werror, error limit) and the text and JSON renderers.
#include <fmt/color.h>

#include <algorithm>
#include <migc/dsl/diagnostic_codes.hpp>
#include <migc/dsl/diagnostics.hpp>
#include <nlohmann/json.hpp>
#include <ostream>
#include <stdexcept>
#include <string_view>

#include "text_util.hpp"

namespace migc::dsl {

namespace {

/// Every code is in the registry at the level it is registered with: a code missing there is a
/// bug of the compiler, caught by whichever test reaches it.
void require_registered(diagnostic const& d) {
  auto const* entry = find_diagnostic_code(d.code);
  if (entry == nullptr) {
    throw std::logic_error("internal error: diagnostic code '" + d.code +
                           "' is not in the registry (dsl/src/diagnostic_codes.cpp)");
  }
  if (entry->level != d.level) {
    throw std::logic_error("internal error: diagnostic code '" + d.code +
                           "' is reported at another level than the registry's");
  }
}

}  // namespace

void diagnostic_engine::report(diagnostic d) {
  require_registered(d);
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

// clang's palette: bold places and messages, bold coloured labels.
fmt::text_style const bold = fmt::emphasis::bold;
fmt::text_style const bold_red = fmt::emphasis::bold | fmt::fg(fmt::terminal_color::red);
fmt::text_style const bold_magenta = fmt::emphasis::bold | fmt::fg(fmt::terminal_color::magenta);
fmt::text_style const bold_cyan = fmt::emphasis::bold | fmt::fg(fmt::terminal_color::cyan);
fmt::text_style const bold_green = fmt::emphasis::bold | fmt::fg(fmt::terminal_color::green);

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

fmt::text_style colour_of(severity level) {
  switch (level) {
    case severity::error:
      return bold_red;
    case severity::warning:
      return bold_magenta;
    case severity::note:
      return bold_cyan;
  }
  return bold_red;
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

/// The part of a source line a snippet shows: whole lines up to `widest_snippet` bytes; around the
/// span of a longer one (a 50 MB statement is one line), cut at UTF-8 character boundaries and
/// marked with "..." at each cut, so a diagnostic stays readable and small.
struct snippet_window {
  std::string text;
  std::size_t begin;  ///< span start, in bytes into `text`
  std::size_t end;    ///< span end, in bytes into `text`
};

constexpr std::size_t widest_snippet = 160;  // bytes shown of one source line
constexpr std::size_t context_before = 60;   // bytes kept before the span in a long line

snippet_window window_of(std::string_view line, std::size_t begin, std::size_t end) {
  begin = std::min(begin, line.size());
  end = std::clamp(end, begin, line.size());
  if (line.size() <= widest_snippet) return {std::string(line), begin, end};
  auto const boundary = [&](std::size_t i) {
    while (i > 0 && i < line.size() && detail::is_utf8_continuation(line[i])) --i;
    return i;
  };
  std::size_t const first = boundary(begin > context_before ? begin - context_before : 0);
  std::size_t const last = boundary(std::min(line.size(), first + widest_snippet));
  std::string const lead = first > 0 ? "..." : "";
  std::string text = lead + std::string(line.substr(first, last - first));
  if (last < line.size()) text += "...";
  std::size_t const shown_end = std::min(end, last);
  return {std::move(text), lead.size() + begin - first, lead.size() + shown_end - first};
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
    if (d.help) m_out << paint("help:", bold_cyan) << ' ' << *d.help << '\n';
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
  std::string paint(std::string_view text, fmt::text_style style) const {
    if (!m_color) return std::string(text);
    return fmt::format(style, "{}", text);
  }

  void heading(location const& where, severity level, std::string const& message, bool werror) {
    std::string place = "migc:";
    if (where.file != nullptr) {
      line_column const at = where.file->position(where.range.begin);
      place = where.file->path() + ':' + std::to_string(at.line) + ':' + std::to_string(at.column) +
              ':';
    }
    m_out << paint(place, bold) << ' ' << paint(std::string(label(level)) + ':', colour_of(level))
          << ' ' << paint(message + (werror ? " [-Werror]" : ""), bold) << '\n';
  }

  void snippet(location const& where) {
    if (where.file == nullptr) return;
    source_file const& file = *where.file;
    line_column const at = file.position(where.range.begin);
    std::string_view const line = file.line_text(at.line);
    std::size_t const start = file.line_offset(at.line);
    std::size_t const begin = where.range.begin - start;
    std::size_t const end = std::max(where.range.end, where.range.begin) - start;
    snippet_window const shown = window_of(line, begin, end);
    m_out << shown.text << '\n'
          << paint(caret_line(shown.text, shown.begin, shown.end), bold_green) << '\n';
  }

  std::ostream& m_out;
  bool m_color;
};

// ---------------------------------------------------------------- JSON

using json = nlohmann::ordered_json;

/// A location's fields, all null when the diagnostic has no place in a file.
void add_location(json& object, location const& where) {
  if (where.file == nullptr) {
    for (char const* key : {"file", "line", "column", "end_line", "end_column"}) {
      object[key] = nullptr;
    }
    return;
  }
  line_column const begin = where.file->position(where.range.begin);
  line_column const end = where.file->position(std::max(where.range.end, where.range.begin));
  object["file"] = where.file->path();
  object["line"] = begin.line;
  object["column"] = begin.column;
  object["end_line"] = end.line;
  object["end_column"] = end.column;
}

json diagnostic_json(diagnostic const& d) {
  json object{{"severity", std::string(label(d.level))}, {"code", d.code}};
  add_location(object, d.where);
  object["message"] = d.message;
  json notes = json::array();
  for (note const& n : d.notes) {
    json entry = json::object();
    add_location(entry, n.where);
    entry["message"] = n.message;
    notes.push_back(std::move(entry));
  }
  object["notes"] = std::move(notes);
  object["help"] = d.help ? json(*d.help) : json(nullptr);
  return object;
}

}  // namespace

void render_text(std::ostream& out, diagnostic_engine const& engine, render_options options) {
  text_renderer renderer(out, options.color);
  for (diagnostic const& d : engine.diagnostics()) renderer.render(d);
  renderer.summary(engine.error_count(), engine.warning_count());
}

void render_json(std::ostream& out, diagnostic_engine const& engine) {
  json diagnostics = json::array();
  for (diagnostic const& d : engine.diagnostics()) diagnostics.push_back(diagnostic_json(d));
  json const document{{"format_version", 1}, {"diagnostics", std::move(diagnostics)}};
  // Ill-formed UTF-8 (a file in another encoding) becomes U+FFFD: the document stays valid.
  out << document.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
}

}  // namespace migc::dsl
