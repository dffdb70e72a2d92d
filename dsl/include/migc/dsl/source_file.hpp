// A source file held in memory, mapping byte offsets to 1-based line:column.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace migc::dsl {

/// A half-open byte range [begin, end) into one source_file's text.
struct span {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
};

/// 1-based line and column of a byte offset.
struct line_column {
  std::uint32_t line = 1;
  std::uint32_t column = 1;
};

/**
 * The text of one input file plus an index of line starts, so that a byte
 * offset maps to line:column by binary search instead of rescanning the text.
 *
 * Columns follow the GNU coding standards: 1-based, every byte of a
 * character counts once except tab, which advances to the next tab stop of
 * 8, and UTF-8 continuation bytes, which do not count (one column per code
 * point).
 *
 * The text is the file's bytes with two normalisations, so that what runs and its checksum do
 * not depend on the editor or the checkout: a UTF-8 byte-order mark at the start is dropped, and
 * every CRLF becomes LF (as git stores text with core.autocrlf; a lone CR stays). Offsets and
 * columns refer to the normalised text; lines and columns are the file's.
 */
class source_file {
 public:
  /// `display_path` is what diagnostics print (relative where possible).
  source_file(std::string display_path, std::string text);

  /// Reads a file from disk, normalised as above; throws std::system_error when it cannot be
  /// read.
  static source_file load(std::string const& path, std::string display_path);

  [[nodiscard]] std::string const& path() const { return m_path; }
  [[nodiscard]] std::string const& text() const { return m_text; }

  /// Line and column of byte `offset` (clamped to the end of the text); the end of the text is
  /// a valid position.
  [[nodiscard]] line_column position(std::uint32_t offset) const;
  /// The text of 1-based line `line`, without its "\n"; empty when there is no such line.
  [[nodiscard]] std::string_view line_text(std::uint32_t line) const;
  /// Byte offset of the first character of 1-based line `line` (clamped to
  /// the last line).
  [[nodiscard]] std::uint32_t line_offset(std::uint32_t line) const;
  [[nodiscard]] std::uint32_t line_count() const {
    return static_cast<std::uint32_t>(m_line_starts.size());
  }

 private:
  std::string m_path;
  std::string m_text;
  std::vector<std::uint32_t> m_line_starts;
};

}  // namespace migc::dsl
