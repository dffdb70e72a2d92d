# add_migrations(): compile a folder of .mig revisions into a migrate executable and a catalog library.
#
#   add_migrations(<target>
#       DIRECTORY <dir>              # the revisions (relative to the current source dir, or absolute)
#       [NAMESPACE <ns>]             # C++ namespace of the generated catalog (default: <target>)
#       [VERSION_TABLE <name>]       # default version table of the migrate binary (default alembic_version)
#       [WERROR]                     # compiler warnings (risky steps) fail the build
#       [STAIRWAY_TEST]              # a ctest <target>_stairway: `migrate stairway` on the
#                                    # database $MIGC_TEST_DATABASE_URL names when the test
#                                    # runs; reported as skipped when it is not set
#       [LINT <rule>...]             # opt-in lint rules: style (all), prefer-text, prefer-timestamptz,
#                                    # prefer-bigint, prefer-identity, prefer-idempotent
#                                    # (migc --lint; docs/language.md, "Style rules")
#       [STATIC | SHARED])           # link <target> fully static / with every library shared
#                                    # (default: libpqxx and the C++ runtime static, libpq shared)
#
# Creates:
#   <target>          executable: the migrate command line over the embedded chain
#   <target>_catalog  static library: `<ns>::catalog()` declared in <target>_catalog.hpp,
#                     for applications that migrate themselves at start-up (link migc::runtime)
#   <target>_stairway with STAIRWAY_TEST: a test (the project calls enable_testing() or
#                     include(CTest)), labelled `stairway`
#
# The compiler runs at build time. It writes a depfile listing the folder and
# every file in it, so adding, editing, renaming or deleting a revision re-runs
# it on the next build without re-running cmake, and an unchanged tree does no
# work. Generated files are rewritten only when their content changes.

include_guard(GLOBAL)
include(${CMAKE_CURRENT_LIST_DIR}/MigcStatic.cmake)
# Read here: inside a function CMAKE_CURRENT_LIST_DIR is the caller's folder.
set(_MIGC_STAIRWAY_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/MigcStairwayTest.cmake")

function(_migc_check_arguments target)
  set(ok TRUE)
  if(arg_UNPARSED_ARGUMENTS)
    message(SEND_ERROR "add_migrations(${target}): unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
    set(ok FALSE)
  endif()
  if(arg_KEYWORDS_MISSING_VALUES)
    message(SEND_ERROR "add_migrations(${target}): ${arg_KEYWORDS_MISSING_VALUES} given without a value")
    set(ok FALSE)
  endif()
  if(NOT arg_DIRECTORY)
    message(SEND_ERROR "add_migrations(${target}): DIRECTORY <folder of .mig files> is required")
    set(ok FALSE)
  endif()
  if(DEFINED arg_NAMESPACE AND NOT arg_NAMESPACE MATCHES "^[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)*$")
    message(SEND_ERROR "add_migrations(${target}): NAMESPACE '${arg_NAMESPACE}' is not a C++ namespace name (e.g. app::db)")
    set(ok FALSE)
  endif()
  if(DEFINED arg_VERSION_TABLE AND NOT arg_VERSION_TABLE MATCHES "^([A-Za-z_][A-Za-z0-9_]*\\.)?[A-Za-z_][A-Za-z0-9_]*$")
    message(SEND_ERROR "add_migrations(${target}): VERSION_TABLE '${arg_VERSION_TABLE}' must be a table name, optionally schema-qualified (e.g. alembic_version or app.schema_version)")
    set(ok FALSE)
  endif()
  if(arg_STATIC AND arg_SHARED)
    message(SEND_ERROR "add_migrations(${target}): STATIC and SHARED exclude each other")
    set(ok FALSE)
  endif()
  if(TARGET ${target})
    message(SEND_ERROR "add_migrations(${target}): a target named '${target}' already exists")
    set(ok FALSE)
  endif()
  set(_migc_arguments_ok ${ok} PARENT_SCOPE)
endfunction()

# How the compiler's inputs are tracked. With Ninja, migc writes a depfile
# naming the folder and every file in it: an added or deleted file changes
# the folder's time stamp, an edit changes the file's, and an unchanged tree
# leaves `ninja -n` with no work. Makefile generators (CMake 3.25) keep a
# deleted file in their consolidated copy of a custom command's depfile and
# then rebuild on every run, so there the inputs come from a
# CONFIGURE_DEPENDS glob instead, which CMake re-checks on every build.
macro(_migc_dependency_arguments directory depfile stamp)
  if(CMAKE_GENERATOR MATCHES "Ninja")
    set(_migc_depfile_flags --depfile "${depfile}" --depfile-target "${stamp}")
    set(_migc_depfile_argument DEPFILE "${depfile}")
    set(_migc_depends "")
  else()
    set(_migc_depfile_flags "")
    set(_migc_depfile_argument "")
    # The folder itself too: a deletion leaves every remaining input older
    # than the stamp, but it does touch the folder.
    file(GLOB _migc_depends CONFIGURE_DEPENDS "${directory}/*")
    list(APPEND _migc_depends "${directory}")
  endif()
endmacro()

function(add_migrations target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "WERROR;STATIC;SHARED;STAIRWAY_TEST" "DIRECTORY;NAMESPACE;VERSION_TABLE" "LINT")
  _migc_check_arguments(${target})
  if(NOT _migc_arguments_ok)
    return()
  endif()

  get_filename_component(directory "${arg_DIRECTORY}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT IS_DIRECTORY "${directory}")
    message(SEND_ERROR "add_migrations(${target}): DIRECTORY '${directory}' does not exist")
    return()
  endif()
  if(NOT DEFINED arg_NAMESPACE)
    string(MAKE_C_IDENTIFIER "${target}" arg_NAMESPACE)
  endif()
  if(NOT DEFINED arg_VERSION_TABLE)
    set(arg_VERSION_TABLE alembic_version)
  endif()
  # Shown at run time: relative to the project, so the output is the same on every machine.
  file(RELATIVE_PATH label "${PROJECT_SOURCE_DIR}" "${directory}")
  if(label MATCHES "^\\.\\." OR label STREQUAL "")
    get_filename_component(label "${directory}" NAME)
  endif()

  set(out "${CMAKE_CURRENT_BINARY_DIR}/${target}.migc")
  set(stamp "${out}/${target}.stamp")
  set(generated "${out}/${target}_catalog.hpp" "${out}/${target}_catalog.cpp" "${out}/${target}_main.cpp")
  set(werror_flag "")
  if(arg_WERROR)
    set(werror_flag --werror)
  endif()
  # The same option as on migc's command line; migc itself rejects an unknown rule.
  set(lint_flag "")
  if(arg_LINT)
    list(JOIN arg_LINT "," lint_rules)
    set(lint_flag --lint "${lint_rules}")
  endif()
  _migc_dependency_arguments("${directory}" "${out}/${target}.d" "${stamp}")
  # The stamp is the command's one output and is touched on every run; the
  # generated sources are byproducts rewritten only when they change, so
  # touching a .mig file without changing what it means recompiles nothing.
  add_custom_command(
    OUTPUT "${stamp}"
    BYPRODUCTS ${generated}
    COMMAND migc::migc build --dir "${directory}" --out-dir "${out}" --name "${target}"
            --namespace "${arg_NAMESPACE}" --version-table "${arg_VERSION_TABLE}"
            --source-label "${label}" ${_migc_depfile_flags} ${werror_flag} ${lint_flag}
    COMMAND "${CMAKE_COMMAND}" -E touch "${stamp}"
    DEPENDS migc::migc ${_migc_depends}
    ${_migc_depfile_argument}
    COMMENT "Compiling migrations in ${label} for ${target}"
    VERBATIM)

  add_library(${target}_catalog STATIC "${out}/${target}_catalog.cpp" "${stamp}")
  target_include_directories(${target}_catalog PUBLIC "${out}")
  target_link_libraries(${target}_catalog PUBLIC migc::runtime)
  target_compile_features(${target}_catalog PUBLIC cxx_std_17)

  add_executable(${target} "${out}/${target}_main.cpp")
  target_link_libraries(${target} PRIVATE ${target}_catalog migc::cli)
  if(arg_STATIC)
    _migc_link_static(${target})
  elseif(NOT arg_SHARED)
    _migc_link_self_contained(${target})
  endif()
  if(arg_STAIRWAY_TEST)
    _migc_stairway_test(${target})
  endif()
endfunction()

# <target>_stairway: MIGC_TEST_DATABASE_URL is read when the test runs, not when cmake does, and
# its absence is a skip (the script's message matches SKIP_REGULAR_EXPRESSION), never a pass.
function(_migc_stairway_test target)
  add_test(NAME ${target}_stairway
           COMMAND "${CMAKE_COMMAND}" "-DMIGRATE=$<TARGET_FILE:${target}>"
                   -P "${_MIGC_STAIRWAY_SCRIPT}")
  set_tests_properties(${target}_stairway PROPERTIES
    LABELS stairway
    SKIP_REGULAR_EXPRESSION "migc stairway test skipped: MIGC_TEST_DATABASE_URL is not set")
endfunction()
