-- Sessions, OAuth states and token pairs, shared by every gateway replica that points at this
-- database. The same shape as the SQLite schema: times are Unix epoch milliseconds (UTC);
-- session ids, states and browser nonces are stored only as SHA-256 hashes; tokens are sealed
-- with AES-256-GCM under GATEWAY_TOKEN_KEY (refresh_hash lets a refresh be matched without
-- opening the token).
CREATE TABLE IF NOT EXISTS oauth_states (
    state_hash   TEXT PRIMARY KEY,
    browser_hash TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    expires_at   BIGINT NOT NULL
);

-- Every new state sweeps the expired ones.
CREATE INDEX IF NOT EXISTS oauth_states_by_expiry ON oauth_states (expires_at);

CREATE TABLE IF NOT EXISTS tokens (
    user_id           TEXT NOT NULL,
    org_id            TEXT NOT NULL,
    refresh_token     TEXT NOT NULL,
    refresh_hash      TEXT NOT NULL,
    access_token      TEXT NOT NULL,
    access_expires_at BIGINT NOT NULL,
    api_domain        TEXT NOT NULL,
    accounts_server   TEXT NOT NULL,
    location          TEXT NOT NULL,
    user_name         TEXT NOT NULL,
    user_email        TEXT,
    org_name          TEXT NOT NULL,
    updated_at        BIGINT NOT NULL,
    PRIMARY KEY (user_id, org_id)
);

CREATE TABLE IF NOT EXISTS sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL,
    org_id       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);

CREATE INDEX IF NOT EXISTS sessions_by_user_org ON sessions (user_id, org_id);
-- Every new session sweeps the expired ones.
CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions (expires_at);
