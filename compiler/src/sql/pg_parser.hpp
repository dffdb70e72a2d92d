// PostgreSQL's own parser (libpg_query 15) behind one small interface: the only file that
// includes pg_query.h is pg_parser.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json.hpp"

namespace migc::compiler::sql {

/// One top-level statement: its parse tree and where it is in the text given to parse().
struct parsed_statement {
  /// The statement node as libpg_query's JSON output spells it, e.g.
  /// `{"CreateStmt": {...}}` (read it through sql::node, tree.hpp).
  sql::tree tree;
  std::uint32_t begin = 0;  ///< byte offset of the statement's first token
  std::uint32_t end = 0;    ///< byte offset just past its last token (the `;` excluded)
};

/// A statement PostgreSQL's parser refused, or a psql meta-command.
struct syntax_problem {
  enum class kind { syntax, psql_meta_command, encoding };
  kind what = kind::syntax;
  std::string message;      ///< PostgreSQL's message, e.g. `syntax error at or near "("`
  std::uint32_t where = 0;  ///< byte offset the message points at
  std::uint32_t end = 0;    ///< end of what to underline (the meta-command's line, a token)
};

/// What parse() found: the statements it could read, and every problem, both in text order.
struct parse_outcome {
  std::vector<parsed_statement> statements;
  std::vector<syntax_problem> problems;
  /// libpg_query's documents in text order (one per parse; the statements point into them):
  /// what checksums hash, in canonical form (sql::write_canonical). Complete when there are no
  /// problems.
  std::vector<std::shared_ptr<rapidjson::Document const>> documents;
};

/**
 * Parses `text` (any number of `;`-separated statements) with PostgreSQL 15's
 * grammar. Locations in the trees and in the problems are byte offsets into
 * `text`.
 *
 * Error recovery, so that one run reports every problem of a body: after a
 * syntax error, the text is cut into statements by PostgreSQL's own scanner
 * (pg_query_split_with_scanner); the statements before the failing one and
 * after it are parsed again, and the failing one is reported. A psql
 * meta-command (a line starting with `\`, as pg_dump writes `\restrict` and
 * `\connect`) ends at its line, as in psql: it is reported and the rest of
 * its statement is parsed. Invalid UTF-8 is reported at its first bad byte
 * and nothing is parsed (the parser would pass it into identifiers).
 * Never throws for bad input; throws std::bad_alloc only.
 */
[[nodiscard]] parse_outcome parse(std::string_view text);

/**
 * The statements of a PL/pgSQL body (a DO block's or a function's) as
 * libpg_query's JSON (`{"PLpgSQL_function": {...}}`), or an empty tree when the
 * body does not parse. `body` is the code between the dollar quotes.
 */
[[nodiscard]] sql::tree parse_plpgsql(std::string_view body);

}  // namespace migc::compiler::sql
