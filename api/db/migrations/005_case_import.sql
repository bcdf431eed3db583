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
-- PL/pgSQL because a multi-statement SQL function is not inlined and costs a full executor start per call.
CREATE FUNCTION zone_window_contains(w jsonb, at timestamptz, utc_offset_minutes int) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  lm     bigint := floor(extract(epoch FROM at) / 60)::bigint + utc_offset_minutes;  -- local minutes since 1970
  day    bigint := floor(lm / 1440.0)::bigint;
  minute int := lm - day * 1440;
  wd     int := ((day + 3) % 7 + 7) % 7 + 1;                                        -- ISO weekday; 1970-01-01 was a Thursday
  days   jsonb := CASE WHEN jsonb_typeof(w->'days') = 'array' AND jsonb_array_length(w->'days') > 0 THEN w->'days' END;
  f      int;
  t      int;
BEGIN
  IF w->>'from' ~ '^\d{2}:[0-5]\d$' THEN f := left(w->>'from', 2)::int * 60 + right(w->>'from', 2)::int; END IF;
  IF w->>'to' ~ '^\d{2}:[0-5]\d$' THEN t := left(w->>'to', 2)::int * 60 + right(w->>'to', 2)::int; END IF;
  IF f IS NULL OR t IS NULL OR f > 1440 OR t > 1440 THEN RETURN false; END IF;
  IF f = t THEN RETURN days IS NULL OR days @> to_jsonb(wd); END IF;
  IF f < t THEN RETURN (days IS NULL OR days @> to_jsonb(wd)) AND minute >= f AND minute < t; END IF;
  RETURN ((days IS NULL OR days @> to_jsonb(wd)) AND minute >= f)
      OR ((days IS NULL OR days @> to_jsonb(CASE WHEN wd = 1 THEN 7 ELSE wd - 1 END)) AND minute < t);
END $$;
