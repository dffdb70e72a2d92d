// The chain checker: duplicates, roots, gaps, skips, forks and cycles, each with every file named.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <migc/compiler/chain.hpp>
#include <migc/compiler/revision_files.hpp>
#include <migc/compiler/revision_id.hpp>
#include <set>

namespace migc::compiler {
namespace {

using index_list = std::vector<std::size_t>;

std::string file_name(parsed_revision const& r) {
  return std::filesystem::path(r.file->path()).filename().string();
}

dsl::location id_location(parsed_revision const& r) {
  return {r.file, r.syntax.id.where};
}

dsl::location parent_location(parsed_revision const& r) {
  return {r.file, r.syntax.parent ? r.syntax.parent->where : r.syntax.id.where};
}

dsl::diagnostic chain_error(std::string code, dsl::location where, std::string message) {
  dsl::diagnostic d;
  d.code = std::move(code);
  d.where = where;
  d.message = std::move(message);
  return d;
}

/// What the checks share: the revisions, indexed by id and by parent.
class chain_index {
 public:
  explicit chain_index(std::vector<parsed_revision> const& revisions) : m_revisions(revisions) {
    for (std::size_t i = 0; i < revisions.size(); ++i) {
      m_by_number[revisions[i].number].push_back(i);
      if (revisions[i].parent) {
        m_children[*revisions[i].parent].push_back(i);
      } else {
        m_roots.push_back(i);
      }
      m_newest = std::max(m_newest, revisions[i].number);
    }
  }

  [[nodiscard]] parsed_revision const& at(std::size_t i) const { return m_revisions[i]; }
  [[nodiscard]] std::size_t size() const { return m_revisions.size(); }
  [[nodiscard]] std::map<std::uint64_t, index_list> const& by_number() const { return m_by_number; }
  [[nodiscard]] std::map<std::uint64_t, index_list> const& children() const { return m_children; }
  [[nodiscard]] index_list const& roots() const { return m_roots; }
  [[nodiscard]] std::uint64_t newest() const { return m_newest; }
  [[nodiscard]] bool exists(std::uint64_t number) const { return m_by_number.count(number) != 0; }
  /// The first revision declaring `number` (file order).
  [[nodiscard]] std::size_t first(std::uint64_t number) const {
    return m_by_number.at(number).front();
  }

 private:
  std::vector<parsed_revision> const& m_revisions;
  std::map<std::uint64_t, index_list> m_by_number;
  std::map<std::uint64_t, index_list> m_children;
  index_list m_roots;
  std::uint64_t m_newest = 0;
};

/// Revisions already blamed for one root cause; other checks skip them
/// (one mistake, one error).
using blamed_set = std::set<std::size_t>;

/// The newest id once the extra children of a fork are set aside: where they
/// must be renumbered to follow.
std::uint64_t newest_without(chain_index const& chain, index_list const& extras) {
  std::uint64_t newest = 0;
  for (auto const& [number, indices] : chain.by_number()) {
    bool const only_extras = std::all_of(indices.begin(), indices.end(), [&](std::size_t i) {
      return std::find(extras.begin(), extras.end(), i) != extras.end();
    });
    if (!only_extras) newest = std::max(newest, number);
  }
  return newest;
}

/// "rename 'a.mig' to 'b.mig' and make it 'revision N revises P'", or without
/// the rename when the file already carries the right number.
std::string renumbering_help(parsed_revision const& extra, std::uint64_t new_number) {
  std::string const header = fmt::format("'revision {} revises {}'", format_revision_id(new_number),
                                         format_revision_id(new_number - 1));
  auto const name = parse_revision_file_name(file_name(extra));
  if (name && revision_number(name->id_digits) == new_number) return "make it " + header;
  std::string const new_file = name ? fmt::format("{}-{}_{}.mig", name->timestamp,
                                                  format_revision_id(new_number), name->slug)
                                    : fmt::format("...-{}_....mig", format_revision_id(new_number));
  return fmt::format("rename '{}' to '{}' and make it {}", file_name(extra), new_file, header);
}

void check_forks(chain_index const& chain, blamed_set& blamed, dsl::diagnostic_engine& out) {
  for (auto const& [parent, children] : chain.children()) {
    if (children.size() < 2) continue;
    auto const& kept = chain.at(children.front());
    index_list const extras(children.begin() + 1, children.end());
    std::uint64_t const newest = newest_without(chain, extras);
    for (std::size_t k = 1; k < children.size(); ++k) {
      auto const& extra = chain.at(children[k]);
      auto d = chain_error("chain-fork", id_location(extra),
                           fmt::format("fork: '{}' and '{}' both revise '{}'", file_name(extra),
                                       file_name(kept), format_revision_id(parent)));
      d.notes.push_back(
          {id_location(kept),
           fmt::format("the other revision with parent '{}' is here", format_revision_id(parent))});
      d.help = renumbering_help(extra, newest + k);
      out.report(std::move(d));
      blamed.insert(children[k]);
    }
  }
}

void check_duplicates(chain_index const& chain, blamed_set& blamed, dsl::diagnostic_engine& out) {
  for (auto const& [number, indices] : chain.by_number()) {
    auto const& first = chain.at(indices.front());
    for (std::size_t k = 1; k < indices.size(); ++k) {
      if (blamed.count(indices[k])) continue;  // same id and same parent: reported as a fork
      auto const& again = chain.at(indices[k]);
      auto d = chain_error("chain-duplicate", id_location(again),
                           fmt::format("duplicate revision id '{}'", again.syntax.id.digits));
      d.notes.push_back(
          {id_location(first),
           first.syntax.id.digits == again.syntax.id.digits
               ? fmt::format("revision '{}' is also declared here", first.syntax.id.digits)
               : fmt::format("'{}' is declared here: ids compare by value",
                             first.syntax.id.digits)});
      d.help = fmt::format("give '{}' the next free id, {}", file_name(again),
                           format_revision_id(chain.newest() + 1));
      out.report(std::move(d));
      blamed.insert(indices[k]);
    }
  }
}

void check_roots(chain_index const& chain, blamed_set& blamed, dsl::diagnostic_engine& out) {
  auto const& roots = chain.roots();
  for (std::size_t k = 1; k < roots.size(); ++k) {
    if (blamed.count(roots[k])) continue;
    auto const& extra = chain.at(roots[k]);
    auto const& first = chain.at(roots.front());
    auto d = chain_error(
        "chain-roots", id_location(extra),
        fmt::format("more than one root revision: '{}' revises nothing", extra.syntax.id.digits));
    d.notes.push_back(
        {id_location(first), fmt::format("the first root, '{}', is here", first.syntax.id.digits)});
    d.help = fmt::format("add 'revises {}' to its header to make it follow the chain",
                         format_revision_id(extra.number == 0 ? 0 : extra.number - 1));
    out.report(std::move(d));
    blamed.insert(roots[k]);
  }
}

/// Reports the cycle `cycle` (indices in walk order) unless a cycle with the same smallest number
/// was reported.
void report_cycle(chain_index const& chain, std::vector<std::size_t> const& cycle,
                  std::set<std::uint64_t>& reported, blamed_set& blamed,
                  dsl::diagnostic_engine& out) {
  std::uint64_t const smallest =
      chain
          .at(*std::min_element(
              cycle.begin(), cycle.end(),
              [&](auto a, auto b) { return chain.at(a).number < chain.at(b).number; }))
          .number;
  if (!reported.insert(smallest).second) return;
  std::string route;
  for (auto i : cycle) route += chain.at(i).syntax.id.digits + " -> ";
  route += chain.at(cycle.front()).syntax.id.digits;
  auto d = chain_error("chain-cycle", parent_location(chain.at(cycle.front())),
                       fmt::format("revisions form a cycle: {}", route));
  for (std::size_t k = 1; k < cycle.size(); ++k) {
    d.notes.push_back({parent_location(chain.at(cycle[k])), "part of the cycle"});
  }
  d.help = "every revision must revise the one numbered just below it";
  out.report(std::move(d));
  blamed.insert(cycle.begin(), cycle.end());
}

/// The walk from `start` along parent links, stopping at a revisited number: the cycle it closes,
/// if any. Used for a revision that is not the first with its number (a duplicate), where a walk
/// can come back to the number without coming back to the revision.
std::vector<std::size_t> walk_from(chain_index const& chain, std::size_t start) {
  std::vector<std::size_t> path;
  std::set<std::uint64_t> seen;
  std::size_t current = start;
  while (true) {
    auto const& r = chain.at(current);
    if (seen.count(r.number)) break;
    seen.insert(r.number);
    path.push_back(current);
    if (!r.parent || !chain.exists(*r.parent))
      return {};  // reached a root or a gap: no cycle on this walk
    current = chain.first(*r.parent);
  }
  std::uint64_t const again = chain.at(current).number;
  auto const cycle_start = std::find_if(path.begin(), path.end(),
                                        [&](std::size_t i) { return chain.at(i).number == again; });
  return {cycle_start, path.end()};
}

/**
 * Follows parent links from every revision; a walk that comes back is a
 * cycle, reported once (by the first walk, in file order, that reaches it).
 * Walks from the first revision of each number only ever visit such
 * revisions, so each is coloured once: a walk stops at a revision an
 * earlier walk settled (its outcome is known, and any cycle it leads to is
 * reported already), or at one on its own path (a new cycle). Linear.
 */
void check_cycles(chain_index const& chain, blamed_set& blamed, dsl::diagnostic_engine& out) {
  std::set<std::uint64_t> reported;
  enum class colour : std::uint8_t { unvisited, on_path, settled };
  std::vector<colour> state(chain.size(), colour::unvisited);
  std::vector<std::size_t> position(chain.size(), 0);  // index in the current path while on_path
  std::vector<std::size_t> path;
  for (std::size_t start = 0; start < chain.size(); ++start) {
    if (chain.first(chain.at(start).number) != start) {
      auto const cycle = walk_from(chain, start);
      if (!cycle.empty()) report_cycle(chain, cycle, reported, blamed, out);
      continue;
    }
    if (state[start] != colour::unvisited) continue;
    path.clear();
    std::size_t current = start;
    while (true) {
      if (state[current] == colour::settled) break;
      if (state[current] == colour::on_path) {
        std::vector<std::size_t> const cycle(
            path.begin() + static_cast<std::ptrdiff_t>(position[current]), path.end());
        report_cycle(chain, cycle, reported, blamed, out);
        break;
      }
      state[current] = colour::on_path;
      position[current] = path.size();
      path.push_back(current);
      auto const& r = chain.at(current);
      if (!r.parent || !chain.exists(*r.parent)) break;
      current = chain.first(*r.parent);
    }
    for (auto i : path) state[i] = colour::settled;
  }
}

void check_parents(chain_index const& chain, blamed_set const& blamed,
                   std::set<std::uint64_t> const& unreadable, dsl::diagnostic_engine& out) {
  for (std::size_t i = 0; i < chain.size(); ++i) {
    auto const& r = chain.at(i);
    if (!r.parent || blamed.count(i) || unreadable.count(*r.parent)) continue;
    if (!chain.exists(*r.parent)) {
      auto d = chain_error("chain-gap", parent_location(r),
                           fmt::format("revision '{}' revises '{}', which does not exist",
                                       r.syntax.id.digits, r.syntax.parent->digits));
      if (r.number > 0 && chain.exists(r.number - 1)) {
        d.help =
            fmt::format("write 'revises {}'", chain.at(chain.first(r.number - 1)).syntax.id.digits);
      } else {
        d.help = fmt::format("add the missing revision '{}', or make '{}' revise an existing one",
                             format_revision_id(*r.parent), r.syntax.id.digits);
      }
      out.report(std::move(d));
    } else if (r.number != *r.parent + 1) {
      auto d = chain_error(
          "chain-skip", id_location(r),
          fmt::format("numbering skips: revision '{}' revises '{}', so its id must be {}",
                      r.syntax.id.digits, r.syntax.parent->digits,
                      format_revision_id(*r.parent + 1)));
      d.help = fmt::format("renumber '{}' to {} (in its header and its file name)", file_name(r),
                           format_revision_id(*r.parent + 1));
      out.report(std::move(d));
    }
  }
}

std::vector<parsed_revision const*> ordered(chain_index const& chain) {
  std::vector<parsed_revision const*> line;
  if (chain.roots().empty()) return line;
  std::size_t current = chain.roots().front();
  while (true) {
    line.push_back(&chain.at(current));
    auto const next = chain.children().find(chain.at(current).number);
    if (next == chain.children().end()) break;
    current = next->second.front();
  }
  return line;
}

}  // namespace

std::optional<std::vector<parsed_revision const*>> link_chain(
    std::vector<parsed_revision> const& revisions, dsl::diagnostic_engine& diagnostics,
    std::set<std::uint64_t> const& unreadable) {
  if (revisions.empty()) return std::vector<parsed_revision const*>{};
  chain_index const chain(revisions);
  std::size_t const errors_before = diagnostics.error_count();
  blamed_set blamed;
  check_forks(chain, blamed, diagnostics);
  check_duplicates(chain, blamed, diagnostics);
  check_roots(chain, blamed, diagnostics);
  check_cycles(chain, blamed, diagnostics);
  check_parents(chain, blamed, unreadable, diagnostics);
  if (chain.roots().empty() && unreadable.empty() && diagnostics.error_count() == errors_before) {
    dsl::diagnostic d;
    d.code = "chain-roots";
    d.message = "no root revision: every revision revises another";
    d.help = "the first revision of a chain has no 'revises'";
    diagnostics.report(std::move(d));
  }
  if (diagnostics.error_count() != errors_before) return std::nullopt;
  auto line = ordered(chain);
  return line;
}

}  // namespace migc::compiler
