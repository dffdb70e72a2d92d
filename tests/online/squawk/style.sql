CREATE TABLE accounts (id serial PRIMARY KEY, handle varchar(40) NOT NULL, country char(2), created_at timestamp NOT NULL);
ALTER TABLE users ADD COLUMN nick varchar(20);
