ALTER TABLE users ADD COLUMN verified boolean NOT NULL;
