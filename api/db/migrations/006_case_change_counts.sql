-- Change counter of the cases table, for analysis caches (hotspots …): a result computed after reading
-- sum(changes) = N is valid while the sum is still N.
-- One row per server backend, bumped by a statement trigger: each transaction only ever updates the row of its
-- own backend, so concurrent case writes never wait on each other (a single counter row would serialise them and
-- could deadlock two transactions touching the same cases); the counter is transactional, so a reader never sees
-- a count that covers uncommitted changes. Only the columns analyses read are watched: the deadline-light sweeper
-- and similar bookkeeping updates do not invalidate anything.
CREATE TABLE case_change_counts (
  backend int PRIMARY KEY,          -- pg_backend_pid() of the writer (reused pids simply share a row)
  changes bigint NOT NULL
);

CREATE FUNCTION count_case_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO case_change_counts AS c (backend, changes) VALUES (pg_backend_pid(), 1)
  ON CONFLICT (backend) DO UPDATE SET changes = c.changes + 1;
  RETURN NULL;
END $$;

CREATE TRIGGER cases_change_count_ins_del AFTER INSERT OR DELETE OR TRUNCATE ON cases
  FOR EACH STATEMENT EXECUTE FUNCTION count_case_change();
CREATE TRIGGER cases_change_count_upd
  AFTER UPDATE OF geom, reported_at, status, kind, major, minor, source, department_id,
                  district_code, street_code, community_code ON cases
  FOR EACH STATEMENT EXECUTE FUNCTION count_case_change();
