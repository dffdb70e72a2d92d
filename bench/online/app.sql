-- The application: a short transaction of reads and writes on both tables (pgbench script).
\set aid random(1, 100000)
\set oid random(1, 1000000)
BEGIN;
SELECT name FROM accounts WHERE id = :aid;
SELECT total, code FROM orders WHERE id = :oid;
UPDATE orders SET total = total + 1 WHERE id = :oid;
UPDATE accounts SET balance = balance + 1 WHERE id = :aid;
END;
