CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text);
CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint, body text);
CREATE INDEX posts_user_id ON posts (user_id)
