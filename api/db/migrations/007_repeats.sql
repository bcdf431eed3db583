-- Repeat cases (重复案件, issue 5; DESIGN.md §5.2). Groups as intake assigns them, one case at a time; rebuilt for a
-- period by the batch engine (api/analysis/repeats/store.ts). Runs on PostgreSQL 15 + PostGIS 3.3 and PGlite (PG 18).

-- fillfactor: intake updates a group's size on every report; room on the page keeps those updates HOT (no index
-- entries written), since no indexed column changes.
CREATE TABLE repeat_groups (
  district_code text NOT NULL,
  id            text NOT NULL,                 -- the anchor case's id: a case anchors at most one group
  kind          text NOT NULL CHECK (kind IN ('component', 'event')),
  minor         text NOT NULL,
  period        text NOT NULL,                 -- '2026-01' (month), '2026-Q1' (quarter), '2026' (year)
  period_start  timestamptz NOT NULL,
  period_end    timestamptz NOT NULL,
  anchor_at     timestamptz NOT NULL,          -- the anchor's reported_at (ties between equidistant anchors)
  anchor_geom   geometry(Point, 4326) NOT NULL,
  -- the anchor in the analysis CRS (UTM of the data, chosen at start): no SRID typmod, it differs per deployment
  anchor_m      geometry(Point) NOT NULL,
  road_class    text NOT NULL CHECK (road_class IN ('main', 'secondary', 'alley')),
  key_area      boolean NOT NULL DEFAULT false,
  threshold     int NOT NULL CHECK (threshold >= 2),
  size          int NOT NULL CHECK (size >= 1),
  reached_at    timestamptz,                   -- reported_at of the member that made size reach threshold
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (district_code, id)
) WITH (fillfactor = 70);
-- Intake: anchors within R of a point (ST_DWithin in the analysis CRS). Anchors of one partition lie more than R
-- apart, so the spatial index alone leaves a handful of rows; no partition index competes with it for that query.
CREATE INDEX repeat_groups_anchor_m_idx ON repeat_groups USING gist (anchor_m);
-- Period rebuilds.
CREATE INDEX repeat_groups_period_idx ON repeat_groups (period_start);

-- The newest case assigned in each partition (county, kind, minor, period): a report older than it arrived out of
-- time order, and intake recomputes the partition in batch instead. One primary-key lookup, whatever the statistics.
CREATE TABLE repeat_partitions (
  district_code text NOT NULL,
  kind          text NOT NULL,
  minor         text NOT NULL,
  period_start  timestamptz NOT NULL,
  last_at       timestamptz NOT NULL,
  last_id       text NOT NULL,
  PRIMARY KEY (district_code, kind, minor, period_start)
) WITH (fillfactor = 70);

-- The group of a case (with district_code → repeat_groups; no foreign key: groups are rebuilt wholesale) and
-- whether it is a repeat case (its group reached its threshold). NULL group = excluded (部件, 非法小广告 …),
-- voided, or not assigned yet. Not indexed on purpose: setting them on the just-inserted case then stays a HOT
-- update (no entry in the dozen indexes of cases); members of a group are found around its anchor instead, as
-- every member lies within R of it.
ALTER TABLE cases ADD COLUMN repeat_group_id text;
ALTER TABLE cases ADD COLUMN is_repeat boolean NOT NULL DEFAULT false;
