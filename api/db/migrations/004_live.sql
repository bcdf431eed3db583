-- Live event stream (api/live): NOTIFY wakes every API process when case_events rows are committed.
--
-- Statement-level with a transition table: one notification per INSERT/COPY statement, not one per row, so a
-- multi-row insert costs one queue entry. Notifications are only delivered on commit; the payload is the highest
-- new id (the hub reads rows by id from the table, the payload is informative only).
CREATE FUNCTION case_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  top bigint;
BEGIN
  SELECT max(id) INTO top FROM new_rows;
  IF top IS NOT NULL THEN
    PERFORM pg_notify('case_events', top::text);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER case_events_notify AFTER INSERT ON case_events
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION case_events_notify();

-- The writing (top-level) transaction of each row. Ids are taken before commit, so concurrent writers commit
-- out of id order: the hub holds delivery at an id gap while the transactions that may own it are in progress,
-- and this column lets it find the late rows of a transaction that stayed open past that hold.
-- No default on existing rows (no table rewrite): old rows are committed and never looked up by it.
ALTER TABLE case_events ADD COLUMN tx xid8;
ALTER TABLE case_events ALTER COLUMN tx SET DEFAULT pg_current_xact_id();
