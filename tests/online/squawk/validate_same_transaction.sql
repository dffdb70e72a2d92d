ALTER TABLE posts ADD CONSTRAINT posts_body_present CHECK (body IS NOT NULL) NOT VALID;
ALTER TABLE posts VALIDATE CONSTRAINT posts_body_present;
