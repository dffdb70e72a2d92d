// Helpers the runtime tests share: run_cli with its streams captured, log capture, messages.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "migrate_cli.hpp"
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

/// migrate_cli.hpp's run_cli over the test catalog `app` unless another is given.
inline cli_result run_cli(std::vector<std::string> const& args) {
  return run_cli(args, app);
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
