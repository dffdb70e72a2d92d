// Test support for the compiler: temporary migrations folders and compact diagnostic summaries.
#pragma once

#include <filesystem>
#include <migc/compiler/compile.hpp>
#include <string>
#include <vector>

namespace migc::test {

/// A fresh folder under the system temp dir, removed with everything in it.
class temp_folder {
 public:
  temp_folder();
  ~temp_folder();
  temp_folder(temp_folder const&) = delete;
  temp_folder& operator=(temp_folder const&) = delete;

  [[nodiscard]] std::filesystem::path const& path() const { return m_path; }
  /// Writes `content` to `name` inside the folder; returns the full path.
  std::filesystem::path write(std::string const& name, std::string const& content) const;

 private:
  std::filesystem::path m_path;
};

/// One diagnostic as `file:line:col: severity[code]: message` (file name only),
/// plus ` | help: ...` and ` | note file:line:col: ...` parts when present.
[[nodiscard]] std::string summarize(dsl::diagnostic const& d);

/// The result of compiling a folder: the chain (if any) and every diagnostic summarized.
struct compile_outcome {
  std::optional<compiler::compiled_chain> chain;
  std::vector<std::string> diagnostics;
};

[[nodiscard]] compile_outcome compile(std::filesystem::path const& folder, bool werror = false);

/// `revision NNN [revises PPP] "desc"` + a trivial reversible body.
[[nodiscard]] std::string revision_text(std::string const& id, std::string const& parent = "",
                                        std::string const& sql = "SELECT 1");

}  // namespace migc::test
