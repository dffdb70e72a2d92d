// Test support: temporary folders.
#include "temp_folder.hpp"

#include <stdlib.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <system_error>

namespace migc::test {

std::string read_file(std::filesystem::path const& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(std::filesystem::path const& path, std::string const& content) {
  std::ofstream(path, std::ios::binary) << content;
}

std::vector<std::filesystem::path> revision_files(std::filesystem::path const& folder) {
  std::vector<std::filesystem::path> out;
  for (auto const& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().extension() == ".mig") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

temp_folder::temp_folder() {
  std::string pattern = (std::filesystem::temp_directory_path() / "migc-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
  }
  m_path = pattern;
}

temp_folder::~temp_folder() {
  std::error_code ignored;
  std::filesystem::remove_all(m_path, ignored);
}

std::filesystem::path temp_folder::write(std::string const& name,
                                         std::string const& content) const {
  auto const path = m_path / name;
  write_file(path, content);
  return path;
}

std::string temp_folder::read(std::string const& name) const {
  return read_file(m_path / name);
}

}  // namespace migc::test
