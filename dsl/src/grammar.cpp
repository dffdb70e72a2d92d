// The single instantiation of the revision grammar for config.hpp's iterator and context.
#include "grammar.hpp"

#include "grammar_def.hpp"

namespace migc::dsl::grammar {

BOOST_SPIRIT_INSTANTIATE(file_type, iterator_type, context_type)

file_type const& file() {
  return revision_file;
}

}  // namespace migc::dsl::grammar
