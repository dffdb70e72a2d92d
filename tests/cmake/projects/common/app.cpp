// An application that migrates its own database on start-up before doing its work.
#include <app_migrate_catalog.hpp>
#include <iostream>
#include <migc/runtime/migrator.hpp>
#include <pqxx/pqxx>
#include <string_view>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: app DATABASE_URL\n";
    return 2;
  }
  try {
    pqxx::connection cx(argv[1]);
    migc::runtime::options options;
    options.log = [](std::string_view line) { std::cout << line << '\n'; };
    migc::runtime::upgrade(cx, app::db::catalog(), options);
  } catch (std::exception const& e) {
    std::cerr << "app: cannot migrate the database: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
