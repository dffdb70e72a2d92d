// Test support: the one temporary-folder helper of the test suites.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace migc::test {

/// The bytes of the file at `path` ("" when it does not exist or cannot be read).
[[nodiscard]] std::string read_file(std::filesystem::path const& path);

/// Writes `content` to `path` byte for byte, replacing what was there.
void write_file(std::filesystem::path const& path, std::string const& content);

/// The revision files (`*.mig`) of `folder`, sorted by name: chain order, as names start with
/// their timestamp and id.
[[nodiscard]] std::vector<std::filesystem::path> revision_files(
    std::filesystem::path const& folder);

/// A fresh folder under the system temp dir (mkdtemp), removed with everything in it.
class temp_folder {
 public:
  temp_folder();
  ~temp_folder();
  temp_folder(temp_folder const&) = delete;
  temp_folder& operator=(temp_folder const&) = delete;

  [[nodiscard]] std::filesystem::path const& path() const { return m_path; }
  /// Writes `content` to `name` inside the folder (byte for byte); returns the full path.
  std::filesystem::path write(std::string const& name, std::string const& content) const;
  /// The content of `name` inside the folder ("" when it does not exist).
  [[nodiscard]] std::string read(std::string const& name) const;

 private:
  std::filesystem::path m_path;
};

}  // namespace migc::test
