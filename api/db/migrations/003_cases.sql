-- Cases: intake, workflow and deadline lights (issue 3). Runs on PostgreSQL 15 + PostGIS 3.3 and PGlite (PG 18).

-- Stored deadline light (亮灯) of open cases, kept by the actions and the light sweeper; NULL before registration
-- and once closed or voided. Tiles and lists read it instead of recomputing the work calendar in SQL.
ALTER TABLE cases ADD COLUMN light text CHECK (light IN ('green', 'yellow', 'red'));
-- Intake snapshot: open cases of the same kind + minor nearby, [{id, distance, status, reportedAt}], nearest first.
ALTER TABLE cases ADD COLUMN possible_duplicates jsonb NOT NULL DEFAULT '[]';
-- Zone time-limit class (A/B/C) that shortened time_limit_value at intake; NULL = the taxonomy's limit.
ALTER TABLE cases ADD COLUMN time_limit_class text CHECK (time_limit_class IN ('A', 'B', 'C'));

-- Daily case serials per county: the 5-digit tail of a case id (county + yyyymmdd + serial).
CREATE TABLE case_serials (
  district_code text NOT NULL,
  day           date NOT NULL,
  last          int NOT NULL CHECK (last BETWEEN 1 AND 99999),
  PRIMARY KEY (district_code, day)
);

-- Idempotency-Key of POST /api/cases: the first successful response per (key, user), replayed on retries.
CREATE TABLE idempotency_keys (
  key          text NOT NULL,
  actor        text NOT NULL,
  request_hash text NOT NULL,                -- sha256 of the request body: the same key with another body is refused
  status       int NOT NULL,
  body         json NOT NULL,                -- json, not jsonb: a replay is byte-for-byte the first response
  case_id      text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (key, actor)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- List paging is by (reported_at, id): this index replaces the single-column one.
DROP INDEX IF EXISTS cases_reported_idx;
CREATE INDEX cases_reported_id_idx ON cases (reported_at, id);
-- Possible duplicates are searched among open cases only.
CREATE INDEX cases_open_geom_idx ON cases USING gist (geom) WHERE status NOT IN ('closed', 'voided');
-- List filters.
CREATE INDEX cases_grid_idx ON cases (grid_code, reported_at);
CREATE INDEX cases_minor_idx ON cases (minor, reported_at);
CREATE INDEX cases_light_idx ON cases (light, reported_at) WHERE light IS NOT NULL;
