-- A version per map layer, bumped by a statement trigger on every write, so tile caches in any API process
-- (and a CLI import running beside it) know when to drop their tiles.
CREATE TABLE layer_versions (
  layer      text PRIMARY KEY,
  version    bigint NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO layer_versions (layer) VALUES ('districts'), ('grids'), ('work-grids'), ('roads'), ('zones'), ('components');

CREATE FUNCTION bump_layer_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE layer_versions SET version = version + 1, updated_at = now() WHERE layer = TG_ARGV[0];
  RETURN NULL;
END $$;

CREATE TRIGGER districts_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON districts
  FOR EACH STATEMENT EXECUTE FUNCTION bump_layer_version('districts');
CREATE TRIGGER grids_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON grids
  FOR EACH STATEMENT EXECUTE FUNCTION bump_layer_version('grids');
CREATE TRIGGER work_grids_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON work_grids
  FOR EACH STATEMENT EXECUTE FUNCTION bump_layer_version('work-grids');
CREATE TRIGGER roads_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON roads
  FOR EACH STATEMENT EXECUTE FUNCTION bump_layer_version('roads');
CREATE TRIGGER zones_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON zones
  FOR EACH STATEMENT EXECUTE FUNCTION bump_layer_version('zones');
CREATE TRIGGER components_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON components
  FOR EACH STATEMENT EXECUTE FUNCTION bump_layer_version('components');
