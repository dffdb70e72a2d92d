-- The example schema (migrations/ at head) as a person would write it in plain SQL.
-- tests/example compares pg_dump of this with pg_dump of the migrated database.
CREATE TABLE users (
    id         text PRIMARY KEY,
    first_name text NOT NULL,
    last_name  text NOT NULL
);
CREATE TABLE memories (
    id         text PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    content    text NOT NULL,
    task_id    text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX memories_task_id ON memories (task_id);
ALTER TABLE memories ADD COLUMN new_field text;
ALTER TABLE users ADD COLUMN full_name text;
CREATE TABLE task_logs (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id    text NOT NULL,
    progress   integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    result     jsonb,
    message    text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX task_logs_task_id ON task_logs (task_id);
