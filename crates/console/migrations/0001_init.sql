-- The console's schema. The same statements run on SQLite and PostgreSQL: only types and
-- syntax both accept (TEXT, BIGINT, BYTEA, ON CONFLICT), times as seconds since the epoch.

CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    fleet TEXT NOT NULL,
    -- SHA-256 of the secret part; the token itself is printed once and never stored.
    secret_hash TEXT NOT NULL,
    created BIGINT NOT NULL,
    revoked BIGINT
);

-- One row per report received; the content hash makes uploads idempotent.
CREATE TABLE reports (
    hash TEXT PRIMARY KEY,
    device_key TEXT NOT NULL,
    fleet TEXT NOT NULL,
    received BIGINT NOT NULL,
    verdict TEXT NOT NULL,
    code BIGINT NOT NULL,
    headline TEXT NOT NULL,
    -- The report as received (analyze JSON), deflate-compressed.
    body BYTEA NOT NULL
);
CREATE INDEX reports_by_device ON reports (device_key, received);

-- The latest state of each device (from its newest report, or from an inventory import).
CREATE TABLE devices (
    key TEXT PRIMARY KEY,
    fleet TEXT NOT NULL,
    hostname TEXT NOT NULL,
    hostname_lc TEXT NOT NULL,
    domain TEXT NOT NULL,
    os TEXT NOT NULL,
    build TEXT NOT NULL,
    managed_by TEXT NOT NULL,
    bucket TEXT NOT NULL,
    verdict TEXT NOT NULL,
    -- -1 when the device has no enrollment status.
    code BIGINT NOT NULL,
    status TEXT NOT NULL,
    category TEXT NOT NULL,
    headline TEXT NOT NULL,
    errors BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    last_report TEXT NOT NULL,
    scp_tenant TEXT NOT NULL,
    dns_server TEXT NOT NULL,
    proxy TEXT NOT NULL,
    ou TEXT NOT NULL,
    os_build TEXT NOT NULL,
    code_hresult TEXT NOT NULL
);
-- Keyset pagination: every filter's index ends with the sort key (hostname_lc, key).
CREATE INDEX devices_by_name ON devices (hostname_lc, key);
CREATE INDEX devices_by_bucket ON devices (bucket, hostname_lc, key);
CREATE INDEX devices_by_code ON devices (code, hostname_lc, key);
CREATE INDEX devices_by_category ON devices (category, hostname_lc, key);
CREATE INDEX devices_by_domain ON devices (domain, hostname_lc, key);
CREATE INDEX devices_by_managed ON devices (managed_by, hostname_lc, key);
-- The most common combination (failing devices of one domain): without it, counting the
-- matches reads every failing row.
CREATE INDEX devices_by_bucket_domain ON devices (bucket, domain, hostname_lc, key);
CREATE INDEX devices_by_seen ON devices (last_seen, key);
-- Root causes: failing devices grouped by each dimension.
CREATE INDEX devices_cause_scp ON devices (bucket, scp_tenant);
CREATE INDEX devices_cause_dns ON devices (bucket, dns_server);
CREATE INDEX devices_cause_proxy ON devices (bucket, proxy);
CREATE INDEX devices_cause_ou ON devices (bucket, ou);
CREATE INDEX devices_cause_build ON devices (bucket, os_build);
CREATE INDEX devices_cause_code ON devices (bucket, code_hresult);

-- Counters kept in step with `devices` by every write, so the overview reads a few rows
-- instead of counting a million: dim = bucket | category | os | domain | trend.
CREATE TABLE counts (
    dim TEXT NOT NULL,
    key TEXT NOT NULL,
    n BIGINT NOT NULL,
    failed BIGINT NOT NULL,
    PRIMARY KEY (dim, key)
);

CREATE TABLE admins (
    name TEXT PRIMARY KEY,
    -- Argon2id PHC string.
    password_hash TEXT NOT NULL,
    created BIGINT NOT NULL
);

CREATE TABLE sessions (
    -- SHA-256 of the cookie value.
    id_hash TEXT PRIMARY KEY,
    admin TEXT NOT NULL,
    csrf TEXT NOT NULL,
    expires BIGINT NOT NULL
);
