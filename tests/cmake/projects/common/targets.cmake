# What every good consumer project declares once migc is available, however it got it.
add_migrations(app_migrate
  DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/migrations
  NAMESPACE app::db)
# An application that migrates its database on start-up.
add_executable(app app.cpp)
target_link_libraries(app PRIVATE app_migrate_catalog migc::runtime)
