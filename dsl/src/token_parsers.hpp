// X3 primitive parsers over the byte scanners, plus the span_of and into directives.
#pragma once

#include <boost/spirit/home/x3.hpp>
#include <cstdint>
#include <migc/dsl/ast.hpp>
#include <string>
#include <string_view>

#include "scan.hpp"

namespace migc::dsl::grammar {

namespace x3 = boost::spirit::x3;

/// Context key of the input's first byte: rules turn iterators into byte offsets with it.
struct source_begin_tag;

template <typename Context>
std::uint32_t offset_of(char const* it, Context const& context) {
  return static_cast<std::uint32_t>(it - x3::get<source_begin_tag>(context));
}

/// Sets a node's `where` once its rule matched: [first, last) without the
/// leading blanks (X3 passes `first` after skipping). Our own handler, not
/// x3::position_tagged: the AST stays free of parser types.
struct annotate_where {
  template <typename Iterator, typename Context>
  void on_success(Iterator const& first, Iterator const& last, ast::node& node,
                  Context const& context) const {
    node.where = {offset_of(first, context), offset_of(last, context)};
  }
};

/// Whitespace and `--` comments. Hand-written on explicit bytes: X3's
/// `space` asserts on bytes >= 0x80 with Boost 1.74.
struct skipper_parser : x3::parser<skipper_parser> {
  using attribute_type = x3::unused_type;
  static bool const has_attribute = false;

  template <typename Context, typename RContext, typename Attribute>
  bool parse(char const*& first, char const* const& last, Context const&, RContext&,
             Attribute&) const {
    char const* const next = scan::skip_one_blank(first, last);
    bool const skipped = next != first;
    first = next;
    return skipped;
  }
};

/// A case-insensitive keyword that is a whole word (`revisionx` is not `revision`).
struct keyword_parser : x3::parser<keyword_parser> {
  using attribute_type = x3::unused_type;
  static bool const has_attribute = false;

  constexpr explicit keyword_parser(std::string_view lower_case_word) : word(lower_case_word) {}

  template <typename Context, typename RContext, typename Attribute>
  bool parse(char const*& first, char const* const& last, Context const& context, RContext&,
             Attribute&) const {
    x3::skip_over(first, last, context);
    char const* const end = scan::match_keyword(first, last, word);
    if (end == nullptr) return false;
    first = end;
    return true;
  }

  std::string_view word;
};

/// Decimal digits, kept as written ("001").
struct digits_parser : x3::parser<digits_parser> {
  using attribute_type = std::string;

  template <typename Context, typename RContext>
  bool parse(char const*& first, char const* const& last, Context const& context, RContext&,
             std::string& digits) const {
    x3::skip_over(first, last, context);
    char const* const end = scan::match_digits(first, last);
    if (end == nullptr) return false;
    digits.assign(first, end);
    first = end;
    return true;
  }
};

/// `$tag$ body $tag$`: the closing delimiter must repeat the opening tag, so
/// `$x$ ... $$ ... $x$` keeps the inner `$$`. Fills tag, body and body_offset.
struct dollar_quoted_parser : x3::parser<dollar_quoted_parser> {
  using attribute_type = ast::raw_sql_step;

  template <typename Context, typename RContext>
  bool parse(char const*& first, char const* const& last, Context const& context, RContext&,
             ast::raw_sql_step& step) const {
    x3::skip_over(first, last, context);
    char const* const open_end = scan::match_dollar_delimiter(first, last);
    if (open_end == nullptr) return false;
    std::string_view const delimiter(first, static_cast<std::size_t>(open_end - first));
    std::string_view const rest(open_end, static_cast<std::size_t>(last - open_end));
    std::size_t const close = rest.find(delimiter);
    if (close == std::string_view::npos) {
      throw scan::lexical_error{
          first, open_end,
          "unterminated dollar-quoted string: no closing '" + std::string(delimiter) + "'",
          std::nullopt};
    }
    step.tag.assign(delimiter.substr(1, delimiter.size() - 2));
    step.body.assign(rest.substr(0, close));
    step.body_offset = offset_of(open_end, context);
    first = open_end + close + delimiter.size();
    return true;
  }
};

/**
 * A token read by one of scan.hpp's `read_*` scanners into a node (which
 * fills its own span, and the spans of nested nodes). Scanners return
 * nullptr for "not here" and throw scan::lexical_error for malformed input.
 */
template <typename Node, char const* (*Scan)(char const*, char const*, char const*, Node&)>
struct scanned_parser : x3::parser<scanned_parser<Node, Scan>> {
  using attribute_type = Node;

  template <typename Context, typename RContext>
  bool parse(char const*& first, char const* const& last, Context const& context, RContext&,
             Node& node) const {
    x3::skip_over(first, last, context);
    char const* const end = Scan(first, last, x3::get<source_begin_tag>(context), node);
    if (end == nullptr) return false;
    first = end;
    return true;
  }

  template <typename Context, typename RContext>
  bool parse(char const*& first, char const* const& last, Context const& context,
             RContext& rcontext, x3::unused_type) const {
    Node ignored;
    return parse(first, last, context, rcontext, ignored);
  }
};

/// scan::read_string as scanned_parser calls scanners (a string has no nested spans).
inline char const* read_string_token(char const* first, char const* last, char const*,
                                     std::string& text) {
  return scan::read_string(first, last, text);
}

/// A double-quoted string with `\"` and `\\` escapes; throws scan::lexical_error when malformed.
using string_parser = scanned_parser<std::string, read_string_token>;
using identifier_parser = scanned_parser<ast::identifier, scan::read_identifier>;
using qualified_name_parser = scanned_parser<ast::qualified_name, scan::read_qualified_name>;
using column_ref_parser = scanned_parser<ast::column_ref, scan::read_column_ref>;
using type_parser = scanned_parser<ast::type_name, scan::read_type>;
using sql_string_parser = scanned_parser<ast::sql_string, scan::read_sql_string>;
using parenthesised_parser = scanned_parser<ast::sql_fragment, scan::read_parenthesised>;
using default_parser = scanned_parser<ast::sql_fragment, scan::read_default>;

/**
 * Zero-width: where `subject` would match, as a span, without consuming it.
 * X3 gives each parser one attribute, so a node that stores a token's text
 * and its span in two members reads the span with `span_of(p)`, then the
 * text with `p`.
 */
template <typename Subject>
struct span_of_parser : x3::unary_parser<Subject, span_of_parser<Subject>> {
  using base_type = x3::unary_parser<Subject, span_of_parser<Subject>>;
  using attribute_type = span;
  static bool const has_attribute = true;

  constexpr explicit span_of_parser(Subject const& subject) : base_type(subject) {}

  template <typename Context, typename RContext>
  bool parse(char const*& first, char const* const& last, Context const& context,
             RContext& rcontext, span& where) const {
    char const* begin = first;
    x3::skip_over(begin, last, context);
    char const* end = begin;
    if (!this->subject.parse(end, last, context, rcontext, x3::unused)) return false;
    where = {offset_of(begin, context), offset_of(end, context)};
    return true;
  }
};

template <typename Subject>
constexpr auto span_of(Subject const& subject) {
  return span_of_parser<typename x3::extension::as_parser<Subject>::value_type>(
      x3::as_parser(subject));
}

/**
 * `into(&node::member)[p]`: parses `p` into one member of a node. The AST's
 * single-member nodes (revision_id, block, irreversible_step) are not Fusion
 * sequences: X3 would unwrap a one-element sequence and hand `p` the member
 * where the rule expects the node, losing the node's `where`.
 */
template <typename Subject, typename Node, typename Member>
struct member_parser : x3::unary_parser<Subject, member_parser<Subject, Node, Member>> {
  using base_type = x3::unary_parser<Subject, member_parser<Subject, Node, Member>>;
  using attribute_type = Node;
  static bool const has_attribute = true;

  constexpr member_parser(Subject const& subject, Member Node::*member)
      : base_type(subject), member(member) {}

  template <typename Context, typename RContext>
  bool parse(char const*& first, char const* const& last, Context const& context,
             RContext& rcontext, Node& node) const {
    return this->subject.parse(first, last, context, rcontext, node.*member);
  }

  Member Node::*member;
};

template <typename Node, typename Member>
struct into_generator {
  Member Node::*member;

  template <typename Subject>
  constexpr auto operator[](Subject const& subject) const {
    using subject_type = typename x3::extension::as_parser<Subject>::value_type;
    return member_parser<subject_type, Node, Member>(x3::as_parser(subject), member);
  }
};

template <typename Node, typename Member>
constexpr into_generator<Node, Member> into(Member Node::*member) {
  return {member};
}

}  // namespace migc::dsl::grammar

namespace boost::spirit::x3 {
/// "expected 'transaction'": a keyword names itself in expectation failures.
template <>
struct get_info<migc::dsl::grammar::keyword_parser> {
  using result_type = std::string;
  std::string operator()(migc::dsl::grammar::keyword_parser const& p) const {
    return "'" + std::string(p.word) + "'";
  }
};
}  // namespace boost::spirit::x3
