-- Bulk import of historical cases (npm run import -- cases, api/cases-import). Each run is recorded; a case
-- remembers the run that last wrote it and the version it wrote, so a re-import updates only cases nobody has
-- touched since (version = imported_version) and never overwrites work done in this system.
CREATE TABLE case_imports (
  id                  bigserial PRIMARY KEY,
  file                text NOT NULL,
  strict              boolean NOT NULL,
  started_at          timestamptz NOT NULL DEFAULT now(),
  finished_at         timestamptz,
  total               int NOT NULL DEFAULT 0,
  inserted            int NOT NULL DEFAULT 0,
  updated             int NOT NULL DEFAULT 0,
  unchanged           int NOT NULL DEFAULT 0,
  skipped             int NOT NULL DEFAULT 0,
  rejected            int NOT NULL DEFAULT 0,
  departments_created jsonb NOT NULL DEFAULT '[]'
);

ALTER TABLE cases ADD COLUMN import_id bigint;         -- case_imports.id of the last import that wrote the row
ALTER TABLE cases ADD COLUMN imported_version int;     -- version that import wrote; NULL = created by intake

-- Whether an instant lies in an allowed window {days?, from, to} of a restricted zone, at a fixed UTC offset:
-- the SQL twin of inWindow in api/domain/zones.ts (same rules: days absent or empty = every day; to < from runs
-- over midnight and belongs to the day it starts on; from = to is the whole day; a malformed time never matches).
CREATE FUNCTION zone_window_contains(w jsonb, at timestamptz, utc_offset_minutes int) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN f IS NULL OR t IS NULL THEN false
    WHEN f = t THEN on_today
    WHEN f < t THEN on_today AND minute >= f AND minute < t
    ELSE (on_today AND minute >= f) OR (on_yesterday AND minute < t)
  END
  FROM (
    SELECT minute, f, t,
      (days IS NULL OR jsonb_array_length(days) = 0 OR days @> to_jsonb(wd)) AS on_today,
      (days IS NULL OR jsonb_array_length(days) = 0 OR days @> to_jsonb(CASE WHEN wd = 1 THEN 7 ELSE wd - 1 END)) AS on_yesterday
    FROM (
      SELECT lm - day * 1440 AS minute, ((day + 3) % 7 + 7) % 7 + 1 AS wd,
        CASE WHEN jsonb_typeof(w->'days') = 'array' THEN w->'days' END AS days,
        CASE WHEN w->>'from' ~ '^\d{2}:[0-5]\d$' AND left(w->>'from', 2)::int * 60 + right(w->>'from', 2)::int <= 1440
             THEN left(w->>'from', 2)::int * 60 + right(w->>'from', 2)::int END AS f,
        CASE WHEN w->>'to' ~ '^\d{2}:[0-5]\d$' AND left(w->>'to', 2)::int * 60 + right(w->>'to', 2)::int <= 1440
             THEN left(w->>'to', 2)::int * 60 + right(w->>'to', 2)::int END AS t
      FROM (SELECT lm, floor(lm / 1440.0)::bigint AS day
            FROM (SELECT floor(extract(epoch FROM at) / 60)::bigint + utc_offset_minutes AS lm) a) b
    ) c
  ) d
$$;
