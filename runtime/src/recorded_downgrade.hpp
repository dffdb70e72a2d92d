// Internal: recorded downgrades (docs/migrate.md, "Recorded downgrades"). Every history row that
// records a revision as applied also records the revision's downgrade as JSON: its steps exactly
// as the compiler embedded them (SQL, lock level, flags, phase) and what running it needs (the
// parent, `without transaction`, `irreversible`). A binary that does not embed the revision (a
// newer release's, another branch's) rebuilds it from the record and reverts it the way the
// binary that applied it would have.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <migc/runtime/catalog.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migc::runtime::detail {

/// Version of the record's JSON layout ("format"): a reader refuses a layout it does not know.
inline constexpr int downgrade_record_format = 1;

/**
 * The record of `rev`'s downgrade, as compact JSON (nlohmann-json):
 * `{"format":1,"revision":"005","parent":"004","description":...,"checksum":<the
 * revision's>,"source_file":...,"source_line":N,"transactional":bool,"reversible":bool,
 * "irreversible_reason":...,"steps":[{"sql":...,"line":N,"lock":"ACCESS EXCLUSIVE",
 * "rewrites":bool,"kind":"schema","outside_transaction":bool,"objects":...,"phase":N,
 * "backfill":bool,"index":...},...]}`. An irreversible revision is recorded too (with no
 * steps), so a later downgrade names the reason instead of "no record".
 */
[[nodiscard]] std::string downgrade_record_json(revision const& rev);

/**
 * SQL expression of a record's checksum, from the jsonb expression `record`:
 * `'sha256:' || encode(sha256(convert_to(record::text, 'UTF8')), 'hex')`.
 * PostgreSQL computes it (sha256(), PostgreSQL 11+) over jsonb's own text
 * form, which is canonical (keys sorted, fixed spacing: PostgreSQL docs 8.14,
 * "JSON Types"), when the row is written and again when it is read: an edited
 * record no longer matches. It detects edits and corruption, not an attacker
 * who can write the history table (that role can run any SQL anyway).
 */
[[nodiscard]] std::string downgrade_checksum_sql(std::string_view record);

/// What the history holds for one revision value: its latest 'upgrade' or 'repair' row.
struct downgrade_record {
  std::int64_t row_id = 0;
  std::string revision;  ///< as stored
  std::string checksum;  ///< the revision's checksum, as the row recorded it
  std::string build_id;  ///< chain hash of the binary that wrote the row ("" when unknown)
  std::optional<std::string> json;  ///< the recorded downgrade; nullopt: the row has none
  bool intact = false;              ///< the stored checksum matches the record (see above)
};

/// A revision rebuilt from a record: owns its texts, and get() views them like an embedded one.
class recorded_revision {
 public:
  /**
   * Parses `record.json`. Throws refusal (recorded_downgrade_mismatch) when
   * it is not a record of this format or names another revision or
   * checksum than its row.
   */
  explicit recorded_revision(downgrade_record const& record);
  recorded_revision(recorded_revision const&) = delete;
  recorded_revision& operator=(recorded_revision const&) = delete;

  [[nodiscard]] revision const& get() const { return m_revision; }
  [[nodiscard]] downgrade_record const& record() const { return m_record; }

 private:
  struct owned_step {
    std::string sql;
    std::string objects;
    std::string index;
    step flags;  ///< every field but the texts
  };

  downgrade_record m_record;
  std::string m_id, m_parent, m_description, m_source_file, m_checksum, m_irreversible_reason;
  std::vector<owned_step> m_owned;
  std::vector<step> m_steps;
  revision m_revision;
};

}  // namespace migc::runtime::detail
