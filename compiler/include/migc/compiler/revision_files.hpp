// Naming rules for revision files, shared by the compiler's folder scan and `migc new`.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migc::compiler {

/// The parts of a revision file name `YYYYMMDD_HHMM-NNN_slug.mig`.
struct revision_file_name {
  std::string timestamp;  ///< "YYYYMMDD_HHMM"
  std::string id_digits;  ///< "NNN" as written
  std::string slug;
};

/// Parses a file name (no folder); nothing if it does not have the revision shape.
[[nodiscard]] std::optional<revision_file_name> parse_revision_file_name(std::string_view name);

/// True for names that start like a revision (`YYYYMMDD_HHMM-NNN_`) whatever their extension:
/// a misspelt extension must not make a revision silently drop out of the build.
[[nodiscard]] bool looks_like_revision_file(std::string_view name);

/// What a scan of the migrations folder found.
struct folder_scan {
  std::vector<std::filesystem::path> revisions;  ///< `.mig` files, sorted by name
  std::vector<std::filesystem::path> strays;     ///< anything else that is not ignored
};

/**
 * Lists a migrations folder (not recursive). Hidden files and README* are
 * ignored silently; everything else that is not a `.mig` file is a stray.
 * Throws std::filesystem::filesystem_error when the folder cannot be read.
 */
[[nodiscard]] folder_scan scan_migrations_folder(std::filesystem::path const& folder);

/// Turns a description into a file-name slug: lowercase ASCII letters, digits, '_'.
[[nodiscard]] std::string slugify(std::string_view description);

}  // namespace migc::compiler
