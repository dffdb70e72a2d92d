// Recorded downgrades: the JSON a history row keeps of a revision's downgrade, and the revision a
// binary that does not embed it rebuilds from it.
#include "recorded_downgrade.hpp"

#include <fmt/format.h>

#include <migc/runtime/error.hpp>
#include <nlohmann/json.hpp>

namespace migc::runtime::detail {
namespace {

using json = nlohmann::json;

json step_json(step const& s) {
  return {{"sql", s.sql.view()},
          {"line", s.line},
          {"lock", lock_level_name(s.lock)},
          {"rewrites", s.rewrites},
          {"kind", statement_kind_name(s.kind)},
          {"outside_transaction", s.outside_transaction},
          {"objects", s.objects.view()},
          {"phase", s.phase},
          {"backfill", s.backfill},
          {"index", s.index.view()}};
}

/// The statement kind statement_kind_name() names `name`.
std::optional<statement_kind> statement_kind_named(std::string_view name) {
  for (auto const kind : {statement_kind::schema, statement_kind::data, statement_kind::maintenance,
                          statement_kind::privileges, statement_kind::unmodelled}) {
    if (statement_kind_name(kind) == name) return kind;
  }
  return std::nullopt;
}

refusal mismatch(downgrade_record const& record, std::string const& what) {
  return refusal(refusal_reason::recorded_downgrade_mismatch,
                 fmt::format("the downgrade the history recorded for revision {} (history row {}) "
                             "cannot be used: {}; nothing was reverted. Downgrade it with a binary "
                             "that embeds {}",
                             record.revision, record.row_id, what, record.revision),
                 {{}, record.revision, {}, {}});
}

}  // namespace

std::string downgrade_record_json(revision const& rev) {
  json steps = json::array();
  for (step const& s : rev.downgrade) steps.push_back(step_json(s));
  json const record = {
      {"format", downgrade_record_format}, {"revision", rev.id.view()},
      {"parent", rev.parent.view()},       {"description", rev.description.view()},
      {"checksum", rev.checksum.view()},   {"source_file", rev.source_file.view()},
      {"source_line", rev.source_line},    {"transactional", rev.transactional},
      {"reversible", rev.reversible},      {"irreversible_reason", rev.irreversible_reason.view()},
      {"steps", std::move(steps)}};
  return record.dump();
}

std::string downgrade_checksum_sql(std::string_view record) {
  return fmt::format("'sha256:' || encode(sha256(convert_to(({})::text, 'UTF8')), 'hex')", record);
}

recorded_revision::recorded_revision(downgrade_record const& record) : m_record(record) {
  try {
    json const j = json::parse(record.json.value_or(""));
    if (j.at("format").get<int>() != downgrade_record_format) {
      throw mismatch(record, fmt::format("its format {} is not {}, the one this binary reads",
                                         j.at("format").dump(), downgrade_record_format));
    }
    m_id = j.at("revision").get<std::string>();
    m_checksum = j.at("checksum").get<std::string>();
    if (revision_id_value(m_id) != revision_id_value(record.revision) ||
        m_checksum != record.checksum) {
      throw mismatch(record, fmt::format("it is the record of revision {} with checksum {}, not "
                                         "of the row's {} with checksum {}",
                                         m_id, m_checksum, record.revision, record.checksum));
    }
    m_parent = j.at("parent").get<std::string>();
    m_description = j.at("description").get<std::string>();
    m_source_file = j.at("source_file").get<std::string>();
    m_irreversible_reason = j.at("irreversible_reason").get<std::string>();
    for (json const& s : j.at("steps")) {
      owned_step owned{s.at("sql").get<std::string>(),
                       s.at("objects").get<std::string>(),
                       s.at("index").get<std::string>(),
                       {}};
      auto const lock = lock_level_named(s.at("lock").get<std::string>());
      auto const kind = statement_kind_named(s.at("kind").get<std::string>());
      if (!lock || !kind) throw mismatch(record, "a step names an unknown lock level or kind");
      owned.flags.line = s.at("line").get<std::uint32_t>();
      owned.flags.lock = *lock;
      owned.flags.rewrites = s.at("rewrites").get<bool>();
      owned.flags.kind = *kind;
      owned.flags.outside_transaction = s.at("outside_transaction").get<bool>();
      owned.flags.phase = s.at("phase").get<std::uint16_t>();
      owned.flags.backfill = s.at("backfill").get<bool>();
      m_owned.push_back(std::move(owned));
    }
    m_revision.number = revision_id_value(m_id).value_or(0);
    m_revision.source_line = j.at("source_line").get<std::uint32_t>();
    m_revision.transactional = j.at("transactional").get<bool>();
    m_revision.reversible = j.at("reversible").get<bool>();
  } catch (json::exception const& e) {
    throw mismatch(record, fmt::format("it is not a downgrade record ({})", e.what()));
  }
  // The texts are in place: the views may point into them now.
  auto const view = [](std::string const& s) { return text{s.data(), s.size()}; };
  m_steps.reserve(m_owned.size());
  for (owned_step const& o : m_owned) {
    step s = o.flags;
    s.sql = view(o.sql);
    s.objects = view(o.objects);
    s.index = view(o.index);
    m_steps.push_back(s);
  }
  m_revision.id = view(m_id);
  m_revision.parent = view(m_parent);
  m_revision.description = view(m_description);
  m_revision.source_file = view(m_source_file);
  m_revision.checksum = view(m_checksum);
  m_revision.irreversible_reason = view(m_irreversible_reason);
  m_revision.downgrade = {m_steps.data(), m_steps.size()};
}

}  // namespace migc::runtime::detail
