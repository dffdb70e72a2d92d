// Test support: temporary folders.
#include "temp_folder.hpp"

#include <stdlib.h>

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <system_error>

namespace migc::test {

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
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

std::string temp_folder::read(std::string const& name) const {
  std::ifstream in(m_path / name, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace migc::test
