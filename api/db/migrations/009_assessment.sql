-- Assessment (考核, issue 8): manual scheme inputs with their audit trail, and the index a period's metrics read.
-- Runs on PostgreSQL 15 + PostGIS 3.3 and PGlite (PG 18).

-- Manual items of a scoring scheme (其他评价, 市局督查, 加分事项 …): one value per scheme, period, unit and item.
CREATE TABLE assessment_inputs (
  scheme     text NOT NULL,               -- geodata/schemes/<id>.json
  period     text NOT NULL,               -- '2026-10' (month), '2026' (year) or '2026-10-01~2026-10-15'
  unit       text NOT NULL,               -- department id (or district / street / grid code, per the scheme's unit)
  item       text NOT NULL,               -- the scheme item's id
  value      numeric NOT NULL,
  note       text,
  updated_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scheme, period, unit, item)
);

-- Every change to assessment_inputs: who, when, the value before and after (NULL = not entered / removed).
CREATE TABLE assessment_input_audit (
  id         bigserial PRIMARY KEY,
  scheme     text NOT NULL,
  period     text NOT NULL,
  unit       text NOT NULL,
  item       text NOT NULL,
  before     numeric,
  after      numeric,
  note       text,
  actor      text NOT NULL,
  role       text NOT NULL,
  at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assessment_input_audit_key_idx ON assessment_input_audit (scheme, period, unit, item);

CREATE FUNCTION assessment_input_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'assessment_input_audit is append-only';
END $$;
CREATE TRIGGER assessment_input_audit_no_update BEFORE UPDATE OR DELETE ON assessment_input_audit
  FOR EACH ROW EXECUTE FUNCTION assessment_input_audit_append_only();

-- A period's metrics read the cases still alive at its start: reported before its end, and neither closed nor
-- voided before its start. This is that "end of life" (a case is never both closed and voided), so assessing a
-- recent month reads that month's cases, not the whole history.
CREATE INDEX cases_end_of_life_idx ON cases ((coalesce(closed_at, voided_at, 'infinity'::timestamptz)), reported_at);
