# What every good consumer project declares once migc is available, however it got it.
add_migrations(app_migrate
  DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/migrations
  NAMESPACE app::db)
# The same chain with every library shared, for distributions that want it so.
add_migrations(app_migrate_shared
  DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/migrations
  NAMESPACE app::shared_db
  SHARED)
# An application that migrates its database on start-up.
add_executable(app app.cpp)
target_link_libraries(app PRIVATE app_migrate_catalog migc::runtime)
