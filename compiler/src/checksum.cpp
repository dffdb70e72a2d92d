// Revision checksums: the canonical forms (docs/checksum.md) hashed with SHA-256 (OpenSSL).
#include <fmt/format.h>
#include <openssl/evp.h>

#include <array>
#include <migc/compiler/checksum.hpp>
#include <migc/compiler/revision_id.hpp>
#include <migc/dsl/sql_text.hpp>
#include <stdexcept>

#include "overloaded.hpp"
#include "render.hpp"
#include "sql/expression.hpp"
#include "sql/raw_sql.hpp"

namespace migc::compiler {
namespace {

namespace ast = dsl::ast;

/// Length-prefixed, so no body can forge the start of the next field.
void append_field(std::string& out, std::string_view tag, std::string_view value) {
  fmt::format_to(std::back_inserter(out), "{} {}:{}\n", tag, value.size(), value);
}

/// Version 2's fragments: the expression's parse tree (its text if it does not parse: the
/// build fails then anyway).
std::string canonical_fragment(ast::sql_fragment const& fragment) {
  auto const parsed = sql::parse_expression(fragment.text);
  if (auto const* e = std::get_if<sql::expression>(&parsed))
    return sql::canonical_text(e->tree.value());
  return fragment.text;
}

/// One block in either version: `raw(index, step)` writes a raw step's canonical SQL.
template <typename Raw>
void append_block(std::string& out, std::string_view name, ast::block const& block, Raw raw,
                  fragment_form const& fragments) {
  fmt::format_to(std::back_inserter(out), "{} {}\n", name, block.steps.size());
  for (std::size_t i = 0; i < block.steps.size(); ++i) {
    auto const& step = block.steps[i];
    std::visit(overloaded{
                   [&](ast::raw_sql_step const& sql) { append_field(out, "sql", raw(i, sql)); },
                   [&](ast::irreversible_step const&) { out += "irreversible\n"; },
                   [&](auto const&) { append_field(out, "step", step_canonical(step, fragments)); },
               },
               step);
  }
}

std::string number_text(ast::revision_id const& id) {
  auto const number = revision_number(id.digits);
  return number ? std::to_string(*number) : id.digits;
}

/// The form both versions share; they differ in the tag, raw SQL and fragments.
template <typename Raw>
std::string canonical(std::string_view tag, ast::revision const& revision, Raw upgrade_raw,
                      Raw downgrade_raw, fragment_form const& fragments) {
  std::string out(tag);
  out += '\n';
  out += "revision " + number_text(revision.id) + '\n';
  out += "parent " + (revision.parent ? number_text(*revision.parent) : std::string("-")) + '\n';
  out += revision.transactional ? "transaction yes\n" : "transaction no\n";
  append_block(out, "upgrade", revision.upgrade, upgrade_raw, fragments);
  if (revision.downgrade) {
    append_block(out, "downgrade", *revision.downgrade, downgrade_raw, fragments);
  } else {
    out += "downgrade derived\n";
  }
  return out;
}

/// Version 2 reads raw steps from what the parser found.
auto parsed(std::vector<std::shared_ptr<sql::raw_step const>> const& steps) {
  return [&steps](std::size_t i, ast::raw_sql_step const& step) {
    return i < steps.size() && steps[i] ? steps[i]->canonical : step.body;
  };
}

}  // namespace

std::string canonical_form(parsed_revision const& revision) {
  return canonical(checksum_format, revision.syntax, parsed(revision.upgrade_sql),
                   parsed(revision.downgrade_sql), canonical_fragment);
}

std::string previous_canonical_form(ast::revision const& revision) {
  auto const lexical = [](std::size_t, ast::raw_sql_step const& sql) {
    return dsl::sql::canonical(sql.body);
  };
  fragment_form const fragments = [](ast::sql_fragment const& f) {
    return dsl::sql::canonical(f.text);
  };
  return canonical(previous_checksum_format, revision, lexical, lexical, fragments);
}

namespace {

std::string digest_hex(std::string_view bytes, EVP_MD const* algorithm, char const* name) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, algorithm, nullptr) != 1) {
    throw std::runtime_error(std::string(name) + " failed (OpenSSL EVP_Digest)");
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex(length * 2, '0');
  for (unsigned int i = 0; i < length; ++i) {
    hex[2 * i] = digits[digest[i] >> 4];
    hex[2 * i + 1] = digits[digest[i] & 0xF];
  }
  return hex;
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  return digest_hex(bytes, EVP_sha256(), "SHA-256");
}

std::string md5_hex(std::string_view bytes) {
  return digest_hex(bytes, EVP_md5(), "MD5");
}

std::string revision_checksum(parsed_revision const& revision) {
  return "sha256:" + sha256_hex(canonical_form(revision));
}

std::string previous_revision_checksum(ast::revision const& revision) {
  return "sha256:" + sha256_hex(previous_canonical_form(revision));
}

}  // namespace migc::compiler
