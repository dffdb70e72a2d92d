// Revision checksums: the canonical forms (docs/checksum.md) hashed with SHA-256 (OpenSSL).
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
#include "sql/expression.hpp"
#include "sql/raw_sql.hpp"

namespace migc::compiler {
namespace {

namespace ast = dsl::ast;

/// Lowercase hex of `length` bytes.
std::string hex(unsigned char const* bytes, unsigned int length) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(length * 2, '0');
  for (unsigned int i = 0; i < length; ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 0xF];
  }
  return out;
}

/// Where a canonical form goes: kept as text, or hashed as it is written (a raw step's canonical
/// parse tree is several times its text: a 50 MB seed-data INSERT is never built in memory).
class canonical_output {
 public:
  canonical_output() = default;
  canonical_output(canonical_output const&) = delete;
  canonical_output& operator=(canonical_output const&) = delete;
  virtual ~canonical_output() = default;
  virtual void write(std::string_view bytes) = 0;
};

class text_output final : public canonical_output {
 public:
  void write(std::string_view bytes) override { text.append(bytes); }
  std::string text;
};

/// SHA-256 over everything written (OpenSSL EVP).
class sha256_output final : public canonical_output {
 public:
  sha256_output() : m_context(EVP_MD_CTX_new(), &EVP_MD_CTX_free) {
    if (!m_context || EVP_DigestInit_ex(m_context.get(), EVP_sha256(), nullptr) != 1)
      throw std::runtime_error("SHA-256 failed (OpenSSL EVP_DigestInit_ex)");
  }
  void write(std::string_view bytes) override {
    if (EVP_DigestUpdate(m_context.get(), bytes.data(), bytes.size()) != 1)
      throw std::runtime_error("SHA-256 failed (OpenSSL EVP_DigestUpdate)");
  }
  /// "sha256:" + lowercase hex of the digest.
  std::string checksum() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(m_context.get(), digest.data(), &length) != 1)
      throw std::runtime_error("SHA-256 failed (OpenSSL EVP_DigestFinal_ex)");
    return "sha256:" + hex(digest.data(), length);
  }

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> m_context;
};

/// Length-prefixed, so no body can forge the start of the next field.
void write_field(canonical_output& out, std::string_view tag, std::string_view value) {
  out.write(fmt::format("{} {}:", tag, value.size()));
  out.write(value);
  out.write("\n");
}

/// Version 2's fragments: the expression's parse tree (its text if it does not parse: the
/// build fails then anyway).
std::string canonical_fragment(ast::sql_fragment const& fragment) {
  auto const parsed = sql::parse_expression(fragment.text);
  if (auto const* e = std::get_if<sql::expression>(&parsed))
    return sql::canonical_text(e->tree.value());
  return fragment.text;
}

/// Version 2's raw step: the canonical parse trees of its statements, streamed twice (once to
/// count the bytes of the length prefix, once into `out`). A step that did not parse (the build
/// fails then anyway) is its text.
void write_parsed_step(canonical_output& out, sql::raw_step const* step,
                       ast::raw_sql_step const& syntax) {
  if (!step || !step->ok) return write_field(out, "sql", syntax.body);
  std::size_t size = 0;
  for (auto const& document : step->documents)
    size += sql::write_canonical(*document, [](std::string_view) {});
  out.write(fmt::format("sql {}:", size));
  for (auto const& document : step->documents)
    sql::write_canonical(*document, [&out](std::string_view piece) { out.write(piece); });
  out.write("\n");
}

/// One block in either version: `raw(index, step)` writes a raw step's field.
template <typename Raw>
void write_block(canonical_output& out, std::string_view name, ast::block const& block, Raw raw,
                 fragment_form const& fragments) {
  out.write(fmt::format("{} {}\n", name, block.steps.size()));
  for (std::size_t i = 0; i < block.steps.size(); ++i) {
    auto const& step = block.steps[i];
    std::visit(overloaded{
                   [&](ast::raw_sql_step const& sql) { raw(i, sql); },
                   [&](ast::irreversible_step const&) { out.write("irreversible\n"); },
                   [&](auto const&) { write_field(out, "step", step_canonical(step, fragments)); },
               },
               step);
  }
}

std::string number_text(ast::revision_id const& id) {
  auto const number = revision_number(id.digits);
  return number ? std::to_string(*number) : id.digits;
}

/// The form both versions share; they differ in the tag, raw SQL and fragments.
template <typename UpgradeRaw, typename DowngradeRaw>
void write_canonical_form(canonical_output& out, std::string_view tag,
                          ast::revision const& revision, UpgradeRaw upgrade_raw,
                          DowngradeRaw downgrade_raw, fragment_form const& fragments) {
  out.write(tag);
  out.write("\n");
  out.write("revision " + number_text(revision.id) + '\n');
  out.write("parent " + (revision.parent ? number_text(*revision.parent) : std::string("-")) +
            '\n');
  out.write(revision.transactional ? "transaction yes\n" : "transaction no\n");
  write_block(out, "upgrade", revision.upgrade, upgrade_raw, fragments);
  if (revision.downgrade) {
    write_block(out, "downgrade", *revision.downgrade, downgrade_raw, fragments);
  } else {
    out.write("downgrade derived\n");
  }
}

/// Version 2 reads raw steps from their parse trees.
auto parsed(canonical_output& out, sql::raw_block const& steps) {
  return [&out, &steps](std::size_t i, ast::raw_sql_step const& syntax) {
    write_parsed_step(out, i < steps.size() ? steps[i].get() : nullptr, syntax);
  };
}

void write_current(canonical_output& out, ast::revision const& revision,
                   sql::raw_block const& upgrade, sql::raw_block const& downgrade) {
  write_canonical_form(out, checksum_format, revision, parsed(out, upgrade), parsed(out, downgrade),
                       canonical_fragment);
}

void write_previous(canonical_output& out, ast::revision const& revision) {
  auto const lexical = [&out](std::size_t, ast::raw_sql_step const& sql) {
    write_field(out, "sql", dsl::sql::canonical(sql.body));
  };
  fragment_form const fragments = [](ast::sql_fragment const& f) {
    return dsl::sql::canonical(f.text);
  };
  write_canonical_form(out, previous_checksum_format, revision, lexical, lexical, fragments);
}

sql::raw_block downgrade_trees(ast::revision const& revision) {
  return revision.downgrade ? sql::with_trees(*revision.downgrade, revision.transactional)
                            : sql::raw_block{};
}

}  // namespace

std::string canonical_form(ast::revision const& revision) {
  text_output out;
  write_current(out, revision, sql::with_trees(revision.upgrade, revision.transactional),
                downgrade_trees(revision));
  return std::move(out.text);
}

std::string revision_checksum(ast::revision const& revision) {
  return revision_checksum(revision, sql::with_trees(revision.upgrade, revision.transactional),
                           downgrade_trees(revision));
}

std::string revision_checksum(ast::revision const& revision, sql::raw_block const& upgrade,
                              sql::raw_block const& downgrade) {
  sha256_output out;
  write_current(out, revision, upgrade, downgrade);
  return out.checksum();
}

std::string previous_canonical_form(ast::revision const& revision) {
  text_output out;
  write_previous(out, revision);
  return std::move(out.text);
}

std::string previous_revision_checksum(ast::revision const& revision) {
  sha256_output out;
  write_previous(out, revision);
  return out.checksum();
}

namespace {

std::string digest_hex(std::string_view bytes, EVP_MD const* algorithm, char const* name) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, algorithm, nullptr) != 1) {
    throw std::runtime_error(std::string(name) + " failed (OpenSSL EVP_Digest)");
  }
  return hex(digest.data(), length);
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  return digest_hex(bytes, EVP_sha256(), "SHA-256");
}

std::string md5_hex(std::string_view bytes) {
  return digest_hex(bytes, EVP_md5(), "MD5");
}

}  // namespace migc::compiler
