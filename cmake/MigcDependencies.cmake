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

# libpg_query: PostgreSQL 15's own parser as a C library (Debian libpg-query-dev). The compiler
# links the static archive, so the installed migc carries it and consumers need nothing new; the
# runtime never links it.
find_path(MIGC_PG_QUERY_INCLUDE_DIR pg_query.h REQUIRED)
find_library(MIGC_PG_QUERY_LIBRARY NAMES libpg_query.a pg_query REQUIRED)
if(NOT TARGET migc_pg_query)
  add_library(migc_pg_query UNKNOWN IMPORTED)
  set_target_properties(migc_pg_query PROPERTIES
    IMPORTED_LOCATION ${MIGC_PG_QUERY_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${MIGC_PG_QUERY_INCLUDE_DIR})
endif()
# RapidJSON (Debian rapidjson-dev, header-only): the compiler reads libpg_query's parse trees with it.
find_path(MIGC_RAPIDJSON_INCLUDE_DIR rapidjson/document.h REQUIRED)
