-- The audit trail (issue 14): one row per authenticated request and per refusal (401, 403, 429) on a
-- protected path, written in batches by the server's audit writer. Append-only: rows are never
-- updated; only retention (PRICELINE_AUDIT_RETENTION_DAYS) deletes them, oldest first.
-- The id orders events as written: pages and exports read by id.
CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY,
    recorded_at TIMESTAMP NOT NULL,
    -- key:<name or public prefix> or sub:<token subject>; NULL when no credential verified.
    caller TEXT,
    -- The granted scopes, space-separated.
    scopes TEXT NOT NULL,
    method TEXT NOT NULL,
    -- The route template, when a route matched; the path never holds the query string.
    route TEXT,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    result_count BIGINT,
    request_id TEXT,
    client_address TEXT
);
-- Time-range filters, exports from a time, and retention.
CREATE INDEX audit_events_recorded ON audit_events (recorded_at);
-- GET /v1/admin/audit-events?caller=...
CREATE INDEX audit_events_caller ON audit_events (caller, id);
