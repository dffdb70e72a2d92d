// Column defaults compared as PostgreSQL spells them (default_spelling), against a real server:
// what the revision wrote and what pg_get_expr prints are the same default, other values are not.
#include "default_spelling.hpp"

#include <gtest/gtest.h>

#include <pqxx/connection>
#include <string>

#include "pg_test.hpp"

namespace {

using migc::runtime::db_object;
using migc::runtime::default_spelling;

db_object column(std::string type, std::string def) {
  return {"column", "public.t", "c", std::move(type), "", std::move(def), false, false};
}

class default_spelling_test : public migc::test::pg_test {
 protected:
  void SetUp() override {
    scalar("CREATE TYPE mood AS ENUM ('happy', 'sad'); CREATE SEQUENCE t_id_seq");
  }

  /// Whether a model default (`written`) and a live one (`printed`) of a `type` column match.
  bool same(std::string const& type, std::string const& written, std::string const& printed) {
    pqxx::connection cx(conninfo());
    default_spelling spelling(cx, "public");
    return spelling.same(column(type, written), column(type, printed));
  }
};

TEST_F(default_spelling_test, what_postgresql_prints_for_what_was_written_is_the_same_default) {
  EXPECT_TRUE(same("text", "'x'", "'x'::text"));
  EXPECT_TRUE(same("character varying(40)", "'misc'", "'misc'::character varying"));
  EXPECT_TRUE(same("text[]", "'{}'", "'{}'::text[]"));
  EXPECT_TRUE(same("integer", "-1", "'-1'::integer"));
  EXPECT_TRUE(same("boolean", "'0'", "false"));  // SQLAlchemy's spelling of false
  EXPECT_TRUE(same("double precision", "(1 + 2)", "(1 + 2)"));
  EXPECT_TRUE(same("double precision", "1+2", "(1 + 2)"));
  EXPECT_TRUE(same("timestamp with time zone", "current_timestamp", "CURRENT_TIMESTAMP"));
  EXPECT_TRUE(same("mood", "'happy'", "'happy'::mood"));
  EXPECT_TRUE(same("text", "NULL", ""));  // DEFAULT NULL: PostgreSQL stores no default
  EXPECT_TRUE(same("integer", "nextval('t_id_seq')", "nextval('t_id_seq'::regclass)"));
  EXPECT_TRUE(same("numeric(10,2)", "-1.5", "'-1.5'::numeric"));
}

TEST_F(default_spelling_test, other_values_and_refused_expressions_differ) {
  EXPECT_FALSE(same("text", "'a'", "'b'::text"));
  EXPECT_FALSE(same("text", "'It''s'", "'it''s'::text"));  // literals keep their case
  EXPECT_FALSE(same("boolean", "true", "false"));
  EXPECT_FALSE(same("text", "'x'", ""));
  EXPECT_FALSE(same("timestamp with time zone", "now()", "CURRENT_TIMESTAMP"));
  EXPECT_FALSE(same("integer", "nextval('t_id_seq')", "nextval('other_seq'::regclass)"));
  EXPECT_FALSE(same("integer", "gone_function()", "gone_function()::integer"));
  // A comment the revision left after its default cannot swallow the cast.
  EXPECT_TRUE(same("integer", "1 -- one", "1"));
}

TEST_F(default_spelling_test, a_refused_probe_does_not_spoil_the_next_ones) {
  pqxx::connection cx(conninfo());
  default_spelling spelling(cx, "public");
  EXPECT_FALSE(spelling.same(column("integer", "no_such()"), column("integer", "1")));
  EXPECT_TRUE(spelling.same(column("text", "'x'"), column("text", "'x'::text")));
}

}  // namespace
