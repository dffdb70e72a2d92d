// The history table: reading it; stamps and repairs, the rows written without running a revision.
#include "history.hpp"

#include <fmt/format.h>

#include "migration_lock.hpp"
#include "state_reader.hpp"

namespace migc::runtime::detail {

std::vector<history_entry> read_history(session& s) {
  std::vector<history_entry> out;
  auto const table = s.history_name();
  if (!s.exists(table)) return out;
  auto rows = s.exec(
      "SELECT id, to_char(applied_at, 'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM'), direction, revision, "
      "coalesce(checksum, ''), coalesce(description, ''), "
      "(extract(epoch FROM duration) * 1000000)::bigint, applied_by, coalesce(build_id, '') "
      "FROM " +
      qualified(s.quoting(), table) + " ORDER BY id");
  for (auto const& r : rows) {
    history_entry h;
    h.id = r[0].as<std::int64_t>();
    h.applied_at = r[1].as<std::string>();
    h.direction = r[2].as<std::string>();
    if (!r[3].is_null()) h.revision = r[3].as<std::string>();
    h.checksum = r[4].as<std::string>();
    h.description = r[5].as<std::string>();
    if (!r[6].is_null()) h.duration = std::chrono::microseconds(r[6].as<std::int64_t>());
    h.applied_by = r[7].as<std::string>();
    h.build_id = r[8].as<std::string>();
    out.push_back(std::move(h));
  }
  return out;
}

run_result stamp(session& s, std::optional<std::size_t> index) {
  migration_lock lock(s);
  ensure_tables(s);
  if (auto dirty = read_dirty(s)) throw dirty_refusal(s.cat, *dirty);
  auto const before = read_current(s);
  revision const* rev = index ? &s.cat.revisions[*index] : nullptr;
  s.run_in_transaction(stamp_script(s.quoting(), s.ctx, rev, before));
  std::string const after = rev ? std::string(rev->id) : "base";
  s.log(fmt::format("Stamped {} (was {})", after, version_name(before)));
  return {version_name(before), after, {}, {}};
}

void record_repairs(session& s, std::vector<checksum_mismatch> const& accepted) {
  if (accepted.empty()) return;
  std::vector<revision const*> revisions;
  for (checksum_mismatch const& m : accepted) {
    s.log(
        fmt::format("Accepting revision {} with checksum {} in place of the applied {} "
                    "(--allow-checksum-mismatch)",
                    m.rev->id, m.rev->checksum, m.recorded.checksum));
    revisions.push_back(m.rev);
  }
  s.run_in_transaction(repairs_script(s.quoting(), s.ctx, revisions));
}

}  // namespace migc::runtime::detail
