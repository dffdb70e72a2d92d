# The ctest add_migrations(... STAIRWAY_TEST) registers, run as `cmake -DMIGRATE=<binary> -P`:
# `migrate stairway` on the database MIGC_TEST_DATABASE_URL names, read when the test runs.
#
# Without MIGC_TEST_DATABASE_URL the test prints the line its SKIP_REGULAR_EXPRESSION matches,
# so ctest reports it as skipped, not passed. After a passing stairway it downgrades the
# database to base again (when every revision is reversible), so the next run finds it empty.
if(NOT DEFINED MIGRATE)
  message(FATAL_ERROR "MigcStairwayTest.cmake: run with -DMIGRATE=<the migrate binary>")
endif()
if("$ENV{MIGC_TEST_DATABASE_URL}" STREQUAL "")
  message("migc stairway test skipped: MIGC_TEST_DATABASE_URL is not set (set it to the URL of an empty scratch database)")
  return()
endif()

# Through the environment, not the command line: a password stays out of `ps`.
set(ENV{DATABASE_URL} "$ENV{MIGC_TEST_DATABASE_URL}")
execute_process(COMMAND "${MIGRATE}" stairway RESULT_VARIABLE code)
if(NOT code EQUAL 0)
  message(FATAL_ERROR "migrate stairway failed (exit ${code})")
endif()
execute_process(COMMAND "${MIGRATE}" downgrade base
                RESULT_VARIABLE code OUTPUT_QUIET ERROR_VARIABLE why)
if(NOT code EQUAL 0)
  string(STRIP "${why}" why)
  message("note: the database stays at head (${why}); the next run needs an empty database")
endif()
