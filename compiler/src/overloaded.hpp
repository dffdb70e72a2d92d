// The overloaded-lambdas helper for std::visit over the step variant.
#pragma once

namespace migc::compiler {

/// `std::visit(overloaded{[](a const&) {...}, [](b const&) {...}}, v)`.
template <typename... F>
struct overloaded : F... {
  using F::operator()...;
};
template <typename... F>
overloaded(F...) -> overloaded<F...>;

}  // namespace migc::compiler
