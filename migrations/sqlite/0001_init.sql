-- Sessions, OAuth states and token pairs. Times are Unix epoch milliseconds (UTC).
-- Session ids, states and browser nonces are stored only as SHA-256 hashes; tokens are sealed
-- with AES-256-GCM (refresh_hash lets a refresh be matched without opening the token).
CREATE TABLE IF NOT EXISTS oauth_states (
    state_hash   TEXT PRIMARY KEY NOT NULL,
    browser_hash TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    expires_at   INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS tokens (
    user_id           TEXT NOT NULL,
    org_id            TEXT NOT NULL,
    refresh_token     TEXT NOT NULL,
    refresh_hash      TEXT NOT NULL,
    access_token      TEXT NOT NULL,
    access_expires_at INTEGER NOT NULL,
    api_domain        TEXT NOT NULL,
    accounts_server   TEXT NOT NULL,
    location          TEXT NOT NULL,
    user_name         TEXT NOT NULL,
    user_email        TEXT,
    org_name          TEXT NOT NULL,
    updated_at        INTEGER NOT NULL,
    PRIMARY KEY (user_id, org_id)
);

CREATE TABLE IF NOT EXISTS sessions (
    id_hash      TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL,
    org_id       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS sessions_by_user_org ON sessions (user_id, org_id);
