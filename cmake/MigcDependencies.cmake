# Finds migc's build dependencies. libpqxx 6.4 ships pkg-config data but no
# CMake package, so it is found through pkg-config, here and in the installed
# package (migc-config.cmake does the same).
find_package(Boost 1.74 REQUIRED)            # Spirit X3, header-only
find_package(fmt 9 REQUIRED)                 # used header-only: fmt::fmt-header-only
find_package(CLI11 2 CONFIG REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)       # header-only: `migrate` and `migc` JSON output
find_package(OpenSSL REQUIRED COMPONENTS Crypto)  # SHA-256 of revisions
find_package(PkgConfig REQUIRED)
# libpq too: `migrate --version` asks it for its version (PQlibVersion).
pkg_check_modules(libpqxx REQUIRED IMPORTED_TARGET libpqxx libpq)
