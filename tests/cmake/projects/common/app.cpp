// An application that migrates its own database on start-up before doing its work. It includes
// nothing of migc but migrator.hpp (and the generated catalog header) and names no libpqxx type.
#include <app_migrate_catalog.hpp>
#include <iostream>
#include <migc/runtime/migrator.hpp>
#include <string_view>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: app DATABASE_URL\n";
    return 2;
  }
  try {
    migc::runtime::options options;
    options.log = [](std::string_view line) { std::cout << line << '\n'; };
    migc::runtime::upgrade(argv[1], app::db::catalog(), options);
  } catch (migc::runtime::refusal const& e) {
    std::cerr << "app: the database needs attention (" << e.reason_name() << "): " << e.what()
              << '\n';
    return 1;
  } catch (std::exception const& e) {
    std::cerr << "app: cannot migrate the database: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
