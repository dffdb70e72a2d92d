// Revision checksums: the canonical form (docs/checksum.md) hashed with SHA-256 (OpenSSL).
#include <fmt/format.h>
#include <openssl/evp.h>

#include <array>
#include <memory>
#include <migc/compiler/checksum.hpp>
#include <migc/compiler/revision_id.hpp>
#include <migc/dsl/sql_text.hpp>
#include <stdexcept>

#include "overloaded.hpp"
#include "render.hpp"

namespace migc::compiler {
namespace {

/// Length-prefixed, so no body can forge the start of the next field.
void append_field(std::string& out, std::string_view tag, std::string_view value) {
  fmt::format_to(std::back_inserter(out), "{} {}:{}\n", tag, value.size(), value);
}

void append_block(std::string& out, std::string_view name, dsl::ast::block const& block) {
  fmt::format_to(std::back_inserter(out), "{} {}\n", name, block.steps.size());
  for (auto const& step : block.steps) {
    std::visit(overloaded{
                   [&](dsl::ast::raw_sql_step const& sql) {
                     append_field(out, "sql", dsl::sql::canonical(sql.body));
                   },
                   [&](dsl::ast::irreversible_step const&) { out += "irreversible\n"; },
                   [&](auto const&) { append_field(out, "step", step_canonical(step)); },
               },
               step);
  }
}

std::string number_text(dsl::ast::revision_id const& id) {
  auto const number = revision_number(id.digits);
  return number ? std::to_string(*number) : id.digits;
}

}  // namespace

std::string canonical_form(dsl::ast::revision const& revision) {
  std::string out;
  out += checksum_format;
  out += '\n';
  out += "revision " + number_text(revision.id) + '\n';
  out += "parent " + (revision.parent ? number_text(*revision.parent) : std::string("-")) + '\n';
  out += revision.transactional ? "transaction yes\n" : "transaction no\n";
  append_block(out, "upgrade", revision.upgrade);
  if (revision.downgrade) {
    append_block(out, "downgrade", *revision.downgrade);
  } else {
    out += "downgrade derived\n";
  }
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed (OpenSSL EVP_Digest)");
  }
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i)
    fmt::format_to(std::back_inserter(hex), "{:02x}", digest[i]);
  return hex;
}

std::string revision_checksum(dsl::ast::revision const& revision) {
  return "sha256:" + sha256_hex(canonical_form(revision));
}

}  // namespace migc::compiler
