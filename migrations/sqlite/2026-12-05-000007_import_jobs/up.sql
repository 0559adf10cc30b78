-- Import jobs sent over the API (POST /v1/imports): one row per job, written by the server's job
-- runner. The id is chosen when the job is accepted (32 hexadecimal digits).
CREATE TABLE import_jobs (
    id TEXT PRIMARY KEY NOT NULL,
    -- queued, running, succeeded or failed
    state TEXT NOT NULL,
    -- upload or url
    source TEXT NOT NULL,
    file_name TEXT NOT NULL,
    url TEXT,
    -- Where an uploaded (or downloaded) file waits on the receiving server's disk.
    upload_path TEXT,
    bytes_total BIGINT,
    bytes_read BIGINT NOT NULL DEFAULT 0,
    items BIGINT NOT NULL DEFAULT 0,
    payer_rates BIGINT NOT NULL DEFAULT 0,
    -- The import's per-document report, as JSON.
    report TEXT,
    failure TEXT,
    created_at TIMESTAMP NOT NULL,
    started_at TIMESTAMP,
    finished_at TIMESTAMP
);
-- The runner's next job, and the state check at start-up.
CREATE INDEX import_jobs_state ON import_jobs (state, created_at);
-- GET /v1/imports: the most recent first.
CREATE INDEX import_jobs_recent ON import_jobs (created_at, id);
