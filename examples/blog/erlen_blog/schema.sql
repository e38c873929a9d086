-- The blog's tables. Every statement is safe to run again: `erlen init-db` runs this file on an
-- existing database to add whatever is missing, and `erlen init-db --drop` empties it first.

-- Foreign keys are off in SQLite unless each connection turns them on; db.py does so for the
-- app's connections, this line for the connection that runs the script.
PRAGMA foreign_keys = ON;

CREATE TABLE IF NOT EXISTS user (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  -- NOCASE: "Ann" and "ann" are the same user, so nobody can register a look-alike name.
  username TEXT UNIQUE NOT NULL COLLATE NOCASE,
  password TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS post (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  author_id INTEGER NOT NULL REFERENCES user (id) ON DELETE CASCADE,
  created TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  title TEXT NOT NULL,
  body TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS comment (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  post_id INTEGER NOT NULL REFERENCES post (id) ON DELETE CASCADE,
  author_id INTEGER NOT NULL REFERENCES user (id) ON DELETE CASCADE,
  created TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  body TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS post_author ON post (author_id);
CREATE INDEX IF NOT EXISTS comment_post ON comment (post_id);
CREATE INDEX IF NOT EXISTS comment_author ON comment (author_id);
