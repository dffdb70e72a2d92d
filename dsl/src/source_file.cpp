// source_file: line-start index and offset → line:column mapping (GNU column rule).
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <limits>
#include <memory>
#include <migc/dsl/source_file.hpp>
#include <stdexcept>
#include <system_error>

#include "text_util.hpp"

namespace migc::dsl {
namespace {

constexpr std::uint32_t tab_width = 8;
constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

std::vector<std::uint32_t> index_line_starts(std::string const& text) {
  std::vector<std::uint32_t> starts{0};
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') starts.push_back(static_cast<std::uint32_t>(i + 1));
  }
  return starts;
}

/// `text` with every CRLF pair as LF; a lone CR stays.
std::string without_crlf(std::string text) {
  std::size_t out = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    text[out++] = text[i];
  }
  text.resize(out);
  return text;
}

std::system_error read_error(std::string const& path) {
  return {errno, std::generic_category(), "cannot read '" + path + "'"};
}

}  // namespace

source_file::source_file(std::string display_path, std::string text)
    : m_path(std::move(display_path)), m_text(std::move(text)) {
  // Editors on Windows save UTF-8 with a byte-order mark: it is no part of the revision (and so
  // never part of its checksum).
  if (m_text.compare(0, utf8_bom.size(), utf8_bom) == 0) m_text.erase(0, utf8_bom.size());
  // A checkout with core.autocrlf turns every LF into CRLF, also inside a function body or a
  // multi-line literal, where PostgreSQL would keep the CR: what runs, and the checksum, must
  // not depend on the checkout (flyway#1837). So the text is the one git stores.
  m_text = without_crlf(std::move(m_text));
  // Offsets are 32-bit throughout the AST; a larger revision file is a mistake.
  if (m_text.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("source file '" + m_path + "' is larger than 4 GiB");
  }
  m_line_starts = index_line_starts(m_text);
}

source_file source_file::load(std::string const& path, std::string display_path) {
  // C stdio rather than iostreams: errno is reliable, so the message says why.
  errno = 0;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) throw read_error(path);
  std::string text;
  char buffer[1 << 16];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) text.append(buffer, n);
  if (std::ferror(file.get())) throw read_error(path);  // e.g. EISDIR for a folder
  return source_file(std::move(display_path), std::move(text));
}

line_column source_file::position(std::uint32_t offset) const {
  offset = std::min<std::uint32_t>(offset, static_cast<std::uint32_t>(m_text.size()));
  auto const next_line = std::upper_bound(m_line_starts.begin(), m_line_starts.end(), offset);
  auto const line = static_cast<std::uint32_t>(next_line - m_line_starts.begin());
  std::uint32_t column = 1;
  for (std::uint32_t i = m_line_starts[line - 1]; i < offset; ++i) {
    char const c = m_text[i];
    if (c == '\t') {
      column = ((column - 1) / tab_width + 1) * tab_width + 1;
    } else if (!detail::is_utf8_continuation(c)) {
      ++column;
    }
  }
  return {line, column};
}

std::string_view source_file::line_text(std::uint32_t line) const {
  if (line == 0 || line > line_count()) return {};
  std::size_t const begin = m_line_starts[line - 1];
  std::size_t end = line < line_count() ? m_line_starts[line] - 1 : m_text.size();
  return std::string_view(m_text).substr(begin, end - begin);
}

std::uint32_t source_file::line_offset(std::uint32_t line) const {
  line = std::clamp<std::uint32_t>(line, 1, line_count());
  return m_line_starts[line - 1];
}

}  // namespace migc::dsl
