// Conninfo handling: passwords never shown, the fallback application name, added parameters.
#include "connection.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

using ::testing::HasSubstr;
using ::testing::Not;

namespace rt = migc::runtime::detail;

TEST(redact, hides_url_password) {
  EXPECT_EQ(rt::redact("postgresql://alice:s3cret@db.example.com:5432/app?sslmode=require"),
            "postgresql://alice:***@db.example.com:5432/app?sslmode=require");
  EXPECT_EQ(rt::redact("postgres://alice@db/app"), "postgres://alice@db/app");
  EXPECT_EQ(rt::redact("postgres://al:p@ss@db/app"), "postgres://al:***@db/app");
}

TEST(redact, hides_url_password_parameter) {
  EXPECT_EQ(rt::redact("postgresql:///app?host=/tmp&password=s3cret&sslmode=disable"),
            "postgresql:///app?host=/tmp&password=***&sslmode=disable");
}

TEST(redact, hides_keyword_password) {
  EXPECT_EQ(rt::redact("host=db password=s3cret user=alice"), "host=db password=*** user=alice");
  EXPECT_EQ(rt::redact("host=db password = 's3 c\\'ret' user=alice"),
            "host=db password = *** user=alice");
  EXPECT_EQ(rt::redact("password=s3cret"), "password=***");
  EXPECT_EQ(rt::redact("host=db user=alice"), "host=db user=alice");
}

TEST(redact, sanitize_removes_the_password_wherever_it_appears) {
  std::string const message =
      rt::sanitize("could not connect as alice with s3cret to postgres://alice:s3cret@db/x",
                   "postgres://alice:s3cret@db/x");
  EXPECT_THAT(message, Not(HasSubstr("s3cret")));
}

TEST(connection, adds_fallback_application_name) {
  EXPECT_EQ(rt::with_fallback_application_name(""), "fallback_application_name=migrate");
  EXPECT_EQ(rt::with_fallback_application_name("host=db"),
            "host=db fallback_application_name=migrate");
  EXPECT_EQ(rt::with_fallback_application_name("postgres://db/app"),
            "postgres://db/app?fallback_application_name=migrate");
  EXPECT_EQ(rt::with_fallback_application_name("postgresql://db/app?sslmode=require"),
            "postgresql://db/app?sslmode=require&fallback_application_name=migrate");
}

TEST(connection, adds_a_parameter_unless_the_conninfo_sets_it) {
  EXPECT_EQ(rt::with_parameter("host=db", "connect_timeout", "3"), "host=db connect_timeout=3");
  EXPECT_EQ(rt::with_parameter("host=db connect_timeout=9", "connect_timeout", "3"),
            "host=db connect_timeout=9");
  EXPECT_EQ(rt::with_parameter("postgres://db/app", "connect_timeout", "3"),
            "postgres://db/app?connect_timeout=3");
}
