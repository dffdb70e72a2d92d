# Install rules and the CMake package: find_package(migc) gives migc::migc, migc::runtime,
# migc::cli and add_migrations().
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(MIGC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/migc)

install(TARGETS migc migc_runtime migc_cli
  EXPORT migc-targets
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# What an application linking <target>_catalog sees: catalog.hpp, error.hpp, migrator.hpp.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/include/migc
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.hpp")
# The generated migrate executables' entry point, on migc::cli's include path only.
install(FILES ${PROJECT_SOURCE_DIR}/runtime/cli/include/migc/runtime/cli.hpp
  DESTINATION include/migc-cli/migc/runtime)
install(EXPORT migc-targets NAMESPACE migc:: DESTINATION ${MIGC_CMAKE_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/migc-config.cmake.in
  ${PROJECT_BINARY_DIR}/migc-config.cmake
  INSTALL_DESTINATION ${MIGC_CMAKE_DIR})
# 0.x: minor versions may break the interface, so a consumer's request must match the minor.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/migc-config-version.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/migc-config.cmake
  ${PROJECT_BINARY_DIR}/migc-config-version.cmake
  ${PROJECT_SOURCE_DIR}/cmake/AddMigrations.cmake
  ${PROJECT_SOURCE_DIR}/cmake/MigcStatic.cmake
  ${PROJECT_SOURCE_DIR}/cmake/MigcStairwayTest.cmake
  DESTINATION ${MIGC_CMAKE_DIR})
