ALTER TABLE posts ADD COLUMN body_length int GENERATED ALWAYS AS (length(body)) STORED;
