-- The type pairs PostgreSQL 15 accepts in a foreign key (compiler/src/type_changes.hpp,
-- foreign_key_accepts; tests/compiler/replay_test.cpp holds the output). For every pair of
-- built-in types with a btree class: does FOREIGN KEY (fk of type B) REFERENCES pk (key of type A)
-- succeed? Run: psql -X -At -f foreign_key_types.sql
\set QUIET on
CREATE TEMP TABLE types(t text);
INSERT INTO types VALUES ('smallint'),('integer'),('bigint'),('real'),('double precision'),('numeric'),
 ('boolean'),('text'),('varchar'),('char'),('name'),('timestamptz'),('timestamp'),('date'),('time'),('timetz'),
 ('interval'),('jsonb'),('uuid'),('bytea'),('inet'),('cidr'),('macaddr'),('macaddr8'),('money'),('oid'),
 ('bit'),('varbit'),('int4range'),('pg_lsn'),('tsvector'),('tsquery'),('regclass'),('xid8'),('int8range'),('numrange'),('daterange'),('tsrange'),('tstzrange');
CREATE TEMP TABLE ok(pk text, fk text);
DO $d$
DECLARE a text; b text;
BEGIN
  FOR a IN SELECT t FROM types LOOP
    FOR b IN SELECT t FROM types LOOP
      BEGIN
        EXECUTE format('CREATE TABLE p (k %s PRIMARY KEY)', a);
        EXECUTE format('CREATE TABLE f (k %s REFERENCES p)', b);
        INSERT INTO ok VALUES (a, b);
      EXCEPTION WHEN others THEN NULL;
      END;
      DROP TABLE IF EXISTS f; DROP TABLE IF EXISTS p;
    END LOOP;
  END LOOP;
END $d$;
SELECT pk, fk FROM ok WHERE pk <> fk ORDER BY 1, 2;
