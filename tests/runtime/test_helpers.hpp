// Helpers the runtime tests share: run_cli with its streams captured, log capture, messages.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "cli_io.hpp"
#include "test_catalogs.hpp"

namespace migc::test {

/// The message of the `E` that `f` throws ("" and a test failure when it throws none).
template <typename E, typename F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (E const& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception";
  return {};
}

/// What one run of the migrate front end returned and printed.
struct cli_result {
  int code;
  std::string out;
  std::string err;
};

/// detail::run_cli with `args` (no program name) and its streams captured.
inline cli_result run_cli(std::vector<std::string> const& args, runtime::catalog const& cat = app,
                          bool colour = false) {
  std::ostringstream out;
  std::ostringstream err;
  int const code = runtime::detail::run_cli(args, cat, out, err, colour);
  return {code, out.str(), err.str()};
}

/// The lines a migrator logs (options::log), collected from any thread.
class log_capture {
 public:
  /// An options::log sink adding each line after `prefix`; this object must outlive the run.
  std::function<void(std::string_view)> sink(std::string prefix = {}) {
    return [this, prefix = std::move(prefix)](std::string_view line) {
      std::lock_guard<std::mutex> lock(m_mutex);
      m_lines.push_back(prefix + std::string(line));
    };
  }

  /// Every line, each followed by "\n".
  std::string text() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    std::string out;
    for (auto const& line : m_lines) out += line + "\n";
    return out;
  }

 private:
  mutable std::mutex m_mutex;
  std::vector<std::string> m_lines;
};

}  // namespace migc::test
