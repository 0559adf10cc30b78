-- Managed API keys (`priceline keys`, /v1/admin/keys). The secret is never stored: only the hex
-- SHA-256 of the whole key, found through the key's public prefix, which names it in logs.
CREATE TABLE api_keys (
    -- 32 hexadecimal digits, chosen when the key is made.
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    -- `pl_live_` and 8 hexadecimal digits: the start of the key itself.
    prefix TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    -- Space-separated, as an OAuth2 scope claim.
    scopes TEXT NOT NULL,
    tier TEXT,
    expires_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    -- Rotation: the key that replaces this one, and when this one stops working.
    successor_id TEXT,
    grace_ends_at TIMESTAMP
);
-- Every authenticated request finds its key by prefix.
CREATE UNIQUE INDEX api_keys_prefix ON api_keys (prefix);
-- GET /v1/admin/keys: the most recent first.
CREATE INDEX api_keys_recent ON api_keys (created_at, id);
