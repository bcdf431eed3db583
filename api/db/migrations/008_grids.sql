-- Unit-grid editing: every write is a revision (who, when, before/after), and renumbering / splitting / merging
-- keeps a map from old to new codes. Cases keep the grid code they were registered with; the map lets analysis
-- re-derive the current grid of an old code.

-- One id per request: a split or merge writes several revisions (and code-map rows) under one change.
CREATE SEQUENCE grid_change_seq;

CREATE TABLE grid_revisions (
  id             bigserial PRIMARY KEY,
  change_id      bigint NOT NULL,
  grid_code      text NOT NULL,             -- the code after the change (before it, for a delete)
  district_code  text NOT NULL,
  op             text NOT NULL CHECK (op IN ('create', 'update', 'delete', 'split', 'merge', 'revert', 'renumber', 'import')),
  actor          text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  version_before int,                       -- NULL: the grid did not exist before
  version_after  int,                       -- NULL: the grid does not exist after (deleted, split, merged away)
  props_before   jsonb,
  props_after    jsonb,
  -- exact geometries (not GeoJSON text) so a revert restores shared edges bit for bit
  geom_before    geometry(MultiPolygon, 4326),
  geom_after     geometry(MultiPolygon, 4326),
  note           jsonb NOT NULL DEFAULT '{}'  -- e.g. {"from": "…"} for a renumber, {"pieces": […]} for a split
);
CREATE INDEX grid_revisions_code_idx ON grid_revisions (grid_code, id);
CREATE INDEX grid_revisions_change_idx ON grid_revisions (change_id);

CREATE TABLE grid_code_map (
  change_id      bigint NOT NULL,
  community_code text NOT NULL,
  old_code       text NOT NULL,
  new_code       text NOT NULL,
  reason         text NOT NULL CHECK (reason IN ('renumber', 'split', 'merge')),
  actor          text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (change_id, old_code, new_code)
);
CREATE INDEX grid_code_map_old_idx ON grid_code_map (old_code, created_at);
