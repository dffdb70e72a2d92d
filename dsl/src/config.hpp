// The one iterator and context type the grammar is compiled for (used by the call site too).
#pragma once

#include <boost/spirit/home/x3.hpp>

#include "token_parsers.hpp"

namespace migc::dsl::grammar {

namespace x3 = boost::spirit::x3;

using iterator_type = char const*;
using phrase_context_type = x3::phrase_parse_context<skipper_parser>::type;
/// What `x3::with<source_begin_tag>(begin)[file()]` adds on top of the
/// skipper; BOOST_SPIRIT_INSTANTIATE needs the very same type.
using context_type = x3::context<source_begin_tag, iterator_type const, phrase_context_type>;

}  // namespace migc::dsl::grammar
