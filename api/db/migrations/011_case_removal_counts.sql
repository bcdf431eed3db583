-- Removal counter of the cases table, for the analyses' in-process copy of the cases (api/analysis/case-columns):
-- the copy follows inserts and updates through the rows' xmin, which a deleted row no longer has; when this sum
-- moves, the copy is loaded again. A changed id reads as a removal too (the old id's row would linger).
-- One row per backend, bumped by statement triggers: the pattern of case_change_counts (migration 006).
CREATE TABLE case_removal_counts (
  backend int PRIMARY KEY,
  removals bigint NOT NULL
);

CREATE FUNCTION count_case_removal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO case_removal_counts AS c (backend, removals) VALUES (pg_backend_pid(), 1)
  ON CONFLICT (backend) DO UPDATE SET removals = c.removals + 1;
  RETURN NULL;
END $$;

CREATE TRIGGER cases_removal_count AFTER DELETE OR TRUNCATE ON cases
  FOR EACH STATEMENT EXECUTE FUNCTION count_case_removal();
CREATE TRIGGER cases_removal_count_id AFTER UPDATE OF id ON cases
  FOR EACH STATEMENT EXECUTE FUNCTION count_case_removal();
