// The table lock a raw SQL statement takes in PostgreSQL 15, and whether it rewrites a table.
#pragma once

#include "../model.hpp"
#include "../replay.hpp"
#include "raw_sql.hpp"
#include "translate.hpp"

namespace migc::compiler::sql {

/**
 * The strongest table-level lock `statement` takes and whether it rewrites
 * a table, from its parse tree, its translation and the model before it:
 * PostgreSQL 15 documentation, "13.3.1 Table-Level Locks" and each
 * command's page (ALTER TABLE's subcommands per AlterTableGetLockLevel;
 * CREATE TRIGGER: SHARE ROW EXCLUSIVE; DML: ROW EXCLUSIVE; VACUUM/ANALYZE:
 * SHARE UPDATE EXCLUSIVE; LOCK: the mode it names...). "unknown" for DO
 * and CALL, which can run anything.
 */
[[nodiscard]] lock_info statement_lock(raw_statement const& statement, translation const& t,
                                       model::schema const& before);

/// The stronger of two locks ("unknown" is strongest: nothing is known to be weaker).
[[nodiscard]] std::string_view stronger(std::string_view a, std::string_view b);

}  // namespace migc::compiler::sql
