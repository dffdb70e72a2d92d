// The rules of the revision language (X3). Included by grammar.cpp only.
#pragma once

#include <boost/spirit/home/x3.hpp>
#include <migc/dsl/ast.hpp>

#include "ast_adapted.hpp"
#include "config.hpp"
#include "grammar.hpp"
#include "step_def.hpp"
#include "token_parsers.hpp"

/*
 * revision-file  = revision , end-of-file ;
 * revision       = "revision" , revision-id , [ "revises" , revision-id ] ,
 *                  description , [ "adopts" , string ] , [ "without" , "transaction" ] ,
 *                  upgrade-block , [ downgrade-block ] ;
 * upgrade-block  = "upgrade" , block ;
 * downgrade-block= "downgrade" , block ;
 * block          = "{" , { step } , "}" ;
 * step           = sql-step | irreversible-step | create-step | drop-step
 *                | rename-step | add-step | alter-step | backfill-step ;  (step_def.hpp)
 * sql-step       = "sql" , dollar-quoted ;               $tag$ ... $tag$, tag may be empty
 * irreversible-step = "irreversible" , [ string ] ;
 * revision-id    = digit , { digit } ;                   not followed by a word byte
 * description    = string ;                              "...", \" and \\ escapes, one line
 *
 * Keywords are case-insensitive whole words; blanks and `--` comments may
 * appear between any two tokens. Every rule's name is the noun users read
 * in "expected ..., found ...".
 */
namespace migc::dsl::grammar {

namespace x3 = boost::spirit::x3;

struct file_class {};
struct revision_class : annotate_where {};
struct revision_id_class : annotate_where {};
struct description_where_class {};
struct description_class {};
struct adopts_class : annotate_where {};
struct transaction_mode_class {};
struct upgrade_block_class : annotate_where {};
struct downgrade_block_class : annotate_where {};
struct block_body_class {};
/// A step's span covers its verb too (`create table ...`), which the
/// object rules after the verb do not see.
struct step_class {
  template <typename Iterator, typename Context>
  void on_success(Iterator const& first, Iterator const& last, ast::step& step,
                  Context const& context) const {
    span const where{offset_of(first, context), offset_of(last, context)};
    std::visit([&](ast::node& node) { node.where = where; }, step);
  }
};
struct raw_sql_step_class : annotate_where {};
struct dollar_quoted_class {};
struct irreversible_step_class : annotate_where {};
struct reason_class {};
struct end_of_file_class {};

file_type const revision_file = "revision file";
// Named after its first token: its name only shows when a file does not start with it.
x3::rule<revision_class, ast::revision> const revision = "'revision'";
x3::rule<revision_id_class, ast::revision_id> const revision_id = "revision id";
x3::rule<description_where_class, span> const description_where = "description string";
x3::rule<description_class, std::string> const description = "description string";
// Named for the error after `adopts`: an Alembic revision id is a string.
x3::rule<adopts_class, ast::adopted_version> const adopts = "adopted version string";
x3::rule<transaction_mode_class, bool> const transaction_mode = "'without transaction'";
x3::rule<upgrade_block_class, ast::block> const upgrade_block = "'upgrade'";
x3::rule<downgrade_block_class, ast::block> const downgrade_block = "'downgrade'";
x3::rule<block_body_class, ast::block> const block_body = "'{'";
x3::rule<step_class, ast::step> const step =
    "step (sql, create, drop, rename, add, alter, backfill or irreversible)";
x3::rule<raw_sql_step_class, ast::raw_sql_step> const raw_sql_step = "sql step";
x3::rule<dollar_quoted_class, ast::raw_sql_step> const dollar_quoted = "dollar-quoted SQL body";
x3::rule<irreversible_step_class, ast::irreversible_step> const irreversible_step =
    "irreversible step";
x3::rule<reason_class, std::string> const reason = "reason string";
x3::rule<end_of_file_class> const end_of_file = "end of file";

keyword_parser const kw_revision{"revision"};
keyword_parser const kw_revises{"revises"};
keyword_parser const kw_adopts{"adopts"};
keyword_parser const kw_without{"without"};
keyword_parser const kw_transaction{"transaction"};
keyword_parser const kw_upgrade{"upgrade"};
keyword_parser const kw_downgrade{"downgrade"};
keyword_parser const kw_sql{"sql"};
keyword_parser const kw_irreversible{"irreversible"};
keyword_parser const kw_backfill{"backfill"};

// X3 expressions read best laid out by hand.
// clang-format off
// `eps >` turns even the first token into an expectation, so every failure
// is an expectation_failure that says what was expected.
auto const revision_file_def = x3::eps > revision > end_of_file;

auto const revision_def =
    kw_revision > revision_id > -(kw_revises > revision_id)
    > description_where > description
    > -(kw_adopts > adopts)
    > transaction_mode
    > upgrade_block > -downgrade_block;

auto const revision_id_def = into(&ast::revision_id::digits)[digits_parser{}];
auto const description_where_def = span_of(string_parser{});
auto const description_def = string_parser{};
auto const adopts_def = into(&ast::adopted_version::id)[string_parser{}];
auto const transaction_mode_def = (kw_without > kw_transaction > x3::attr(false)) | x3::attr(true);

auto const upgrade_block_def = kw_upgrade > block_body;
auto const downgrade_block_def = kw_downgrade > block_body;

// A block ends at '}' or, for the error message, at the end of the input:
// anything else must be a step. Iteration, not recursion: no nesting depth.
auto const block_end = x3::lit('}') | x3::eoi;
auto const block_body_def =
    into(&ast::block::steps)[x3::lit('{') > *((!block_end) > step) > x3::lit('}')];

// Every alternative starts with its own keyword (a whole word), so their
// order does not matter.
auto const step_def = raw_sql_step | irreversible_step
    | (kw_create > create_object) | (kw_drop > drop_object) | (kw_rename > rename_object)
    | (kw_add > add_object) | (kw_alter > alter_column) | (kw_backfill > backfill);

auto const raw_sql_step_def = kw_sql > dollar_quoted;
auto const dollar_quoted_def = dollar_quoted_parser{};
auto const irreversible_step_def = kw_irreversible >> into(&ast::irreversible_step::reason)[-reason];
auto const reason_def = string_parser{};
auto const end_of_file_def = x3::eoi;
// clang-format on

BOOST_SPIRIT_DEFINE(revision_file, revision, revision_id, description_where, description, adopts,
                    transaction_mode, upgrade_block, downgrade_block, block_body, step,
                    raw_sql_step, dollar_quoted, irreversible_step, reason, end_of_file)

}  // namespace migc::dsl::grammar
