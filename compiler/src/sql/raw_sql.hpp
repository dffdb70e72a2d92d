// A raw `sql $$ ... $$` step read by PostgreSQL's parser: its statements, each classified, with
// every syntax error and refused statement reported at its place in the .mig file.
#pragma once

#include <memory>
#include <migc/dsl/ast.hpp>
#include <migc/dsl/diagnostics.hpp>
#include <optional>
#include <string>
#include <vector>

#include "json.hpp"
#include "statements.hpp"
#include "tree.hpp"

namespace migc::compiler::sql {

/// One statement of a raw step.
struct raw_statement {
  sql::tree tree;   ///< the statement node (read it with root()); empty once dropped
  dsl::span where;  ///< the statement in the .mig file (without its `;`)
  dsl::span step;   ///< the whole `sql $$ ... $$` step it belongs to
  /// Where the body's byte 0 is in the .mig file: a tree location `l` is file offset `offset + l`.
  std::uint32_t offset = 0;
  std::string sql;  ///< the statement's text as written
  statement_info info;

  [[nodiscard]] node root() const { return node(tree); }
  /// The span in the .mig file of a tree location, `length` bytes long (at least one).
  [[nodiscard]] dsl::span at(std::uint32_t location, std::uint32_t length) const;
  /// A node's place in the .mig file (the statement when the node has no location).
  [[nodiscard]] dsl::span at(node const& n, std::uint32_t length) const;

  /**
   * The text of an expression node of this statement as written (the parse tree gives where an
   * expression starts, not where it ends): the shortest slice from its first token that parses
   * to the same tree, with or without parentheses before it. Nothing if none does.
   */
  [[nodiscard]] std::optional<std::string> text_of(node const& wanted_node) const;
  /// The byte offset into `sql` of a tree location.
  [[nodiscard]] std::uint32_t in_sql(std::uint32_t location) const {
    return location - (where.begin - offset);
  }
};

/// What reading one raw step found.
struct raw_step {
  std::vector<raw_statement> statements;  ///< in text order; none when it did not parse at all
  bool ok = true;                         ///< no syntax error and no refused statement
  /// libpg_query's documents the statements point into, in parse order: what the checksum hashes
  /// (docs/checksum.md). Dropped with the trees.
  std::vector<std::shared_ptr<rapidjson::Document const>> documents;
};

/// The raw sql steps of one block with their parse trees, by step index (null for other steps).
using raw_block = std::vector<std::shared_ptr<raw_step const>>;

/// How the revision that holds the step runs.
struct raw_context {
  dsl::source_file const* file = nullptr;
  bool transactional = true;
  dsl::diagnostic_engine* out = nullptr;
};

/**
 * Parses and classifies the body of `step`. Reports, at the exact
 * `file:line:col` inside the body: syntax errors (PostgreSQL's message and
 * a caret), psql meta-commands, invalid UTF-8, refused statements
 * (transaction control, COPY from/to the client, session state), statements
 * PostgreSQL refuses in a transaction block when the revision runs in one,
 * and an empty body. Statements that parsed are returned even when others
 * did not, so that later checks still see them.
 */
[[nodiscard]] raw_step read_raw_step(dsl::ast::raw_sql_step const& step,
                                     raw_context const& context);

/// Drops the statements' parse trees of `step` (what is kept between reading and compiling).
void drop_trees(raw_step& step);

/// `step` read again with its parse trees (its problems were reported the first time).
[[nodiscard]] raw_step with_trees(dsl::ast::raw_sql_step const& step, bool transactional);

/// The raw steps of `block` read again with their parse trees (with_trees), by step index.
[[nodiscard]] raw_block with_trees(dsl::ast::block const& block, bool transactional);

/**
 * Reports each temporary table, view or sequence that the raw steps of one
 * block create (without ON COMMIT DROP) and do not drop again: it would
 * outlive the revision in the session (the next revision's CREATE TEMP of
 * the same name fails; behind a transaction pooler it stays on a backend
 * another client gets).
 */
void check_temporary_objects(std::vector<raw_step const*> const& steps, raw_context const& context);

}  // namespace migc::compiler::sql
