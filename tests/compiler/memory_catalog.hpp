// Test support: a runtime catalog built in memory from a chain the compiler compiled at test time.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <filesystem>
#include <memory>
#include <migc/compiler/compile.hpp>
#include <migc/compiler/schema_objects.hpp>
#include <migc/runtime/catalog.hpp>
#include <string>
#include <vector>

#include "compiler_test_support.hpp"

namespace migc::test {

/// A runtime catalog over a compiled chain: what the emitter would write, built in memory.
class memory_catalog {
 public:
  explicit memory_catalog(migc::compiler::compiled_chain chain) : m_chain(std::move(chain)) {
    std::size_t total = 0;
    for (auto const& r : m_chain.revisions) total += r.upgrade.size() + r.downgrade.size();
    m_steps.reserve(total);  // the revisions' views point into it: no reallocation
    for (auto const& r : m_chain.revisions) {
      auto const up = add_steps(r.upgrade);
      auto const down = add_steps(r.downgrade);
      m_revisions.push_back({text_of(r.id), r.number, text_of(r.parent), text_of(r.description),
                             text_of(r.source_file), r.source_line, text_of(r.checksum),
                             r.transactional, r.reversible, up, down,
                             text_of(r.irreversible_reason), text_of(r.previous_checksum),
                             text_of(r.adopts), text_of(joined(r.enum_values_added)),
                             text_of(joined(r.enum_values_used))});
    }
    m_schema_history = migc::compiler::serialize_schema_history(m_chain.revisions);
    m_catalog = {{m_revisions.data(), m_revisions.size()},
                 m_chain.chain_hash,
                 "alembic_version",
                 "migrations",
                 m_schema_history};
  }
  memory_catalog(memory_catalog const&) = delete;
  memory_catalog& operator=(memory_catalog const&) = delete;

  [[nodiscard]] migc::runtime::catalog const& get() const { return m_catalog; }

 private:
  /// `entries` one a line, kept by this catalog (as the emitter writes catalog::enum_values_*).
  std::string const& joined(std::vector<std::string> const& entries) {
    std::string out;
    for (auto const& e : entries) out += e + "\n";
    return m_texts.emplace_back(std::move(out));
  }

  /// A view of a string this catalog owns (through m_chain).
  static migc::runtime::text text_of(std::string const& s) { return {s.data(), s.size()}; }

  migc::runtime::array_view<migc::runtime::step> add_steps(
      std::vector<migc::compiler::compiled_step> const& steps) {
    std::size_t const begin = m_steps.size();
    for (auto const& s : steps)
      m_steps.push_back({text_of(s.sql), s.line, migc::runtime::lock_level_named(s.lock).value(),
                         s.rewrites, s.kind, s.outside_transaction, text_of(s.objects), s.phase,
                         s.backfill, text_of(s.index)});
    if (steps.empty()) return {};
    return {m_steps.data() + begin, steps.size()};
  }

  migc::compiler::compiled_chain m_chain;
  std::deque<std::string> m_texts;  ///< strings made for the catalog (stable addresses)
  std::vector<migc::runtime::step> m_steps;
  std::vector<migc::runtime::revision> m_revisions;
  std::string m_schema_history;
  migc::runtime::catalog m_catalog;
};

/// The chain in `folder` compiled into a catalog; nullptr (and a test failure) when it does not
/// compile.
inline std::unique_ptr<memory_catalog> compile_chain(std::filesystem::path const& folder) {
  auto outcome = migc::test::compile(folder);
  if (!outcome.chain) {
    std::string all;
    for (auto const& d : outcome.diagnostics) all += d + "\n";
    ADD_FAILURE() << folder << " does not compile:\n" << all;
    return nullptr;
  }
  return std::make_unique<memory_catalog>(std::move(*outcome.chain));
}

}  // namespace migc::test
