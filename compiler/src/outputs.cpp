// Generated-file output: atomic, change-only writes and depfiles.
#include <fstream>
#include <iterator>
#include <migc/compiler/outputs.hpp>
#include <system_error>

namespace migc::compiler {
namespace {

std::string read_all(std::filesystem::path const& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string escape_make_path(std::string_view path) {
  std::string out;
  for (char c : path) {
    if (c == ' ' || c == '#' || c == '\\') out += '\\';
    if (c == '$') out += '$';
    out += c;
  }
  return out;
}

}  // namespace

bool write_if_changed(std::filesystem::path const& path, std::string_view content) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && read_all(path) == content) return false;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  auto temporary = path;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out.flush()) {
      throw std::system_error(errno, std::generic_category(),
                              "cannot write '" + temporary.string() + "'");
    }
  }
  std::filesystem::rename(temporary, path);
  return true;
}

std::string make_depfile(std::string_view target,
                         std::vector<std::filesystem::path> const& dependencies) {
  std::string out = escape_make_path(target) + ":";
  for (auto const& dependency : dependencies) {
    out += " \\\n  ";
    out += escape_make_path(dependency.string());
  }
  out += '\n';
  return out;
}

}  // namespace migc::compiler
