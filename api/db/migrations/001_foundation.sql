-- Foundation schema. Geometries are stored in EPSG:4326; every layer drawn as tiles keeps a generated
-- Web-Mercator copy (geom_3857) so a tile needs no per-row reprojection. Metric work (distances, areas) is done
-- in the analysis CRS chosen at start (UTM of the data by default), never in degrees.
-- Hot tables carry district_code (the county code) so they can be distributed on it (Citus) later.

CREATE TABLE districts (
  code        text PRIMARY KEY,              -- county 6 digits, street 9, community 12
  name        text NOT NULL,
  level       text NOT NULL CHECK (level IN ('county', 'street', 'community')),
  parent_code text REFERENCES districts (code),
  geom        geometry(MultiPolygon, 4326) NOT NULL,
  geom_3857   geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
  CHECK ((level = 'county' AND code ~ '^\d{6}$' AND parent_code IS NULL)
      OR (level = 'street' AND code ~ '^\d{9}$' AND parent_code = left(code, 6))
      OR (level = 'community' AND code ~ '^\d{12}$' AND parent_code = left(code, 9)))
);
CREATE INDEX districts_geom_idx ON districts USING gist (geom);
CREATE INDEX districts_geom_3857_idx ON districts USING gist (geom_3857);

CREATE TABLE work_grids (
  code           text PRIMARY KEY,
  name           text NOT NULL,
  district_code  text NOT NULL,
  community_code text NOT NULL REFERENCES districts (code),
  collector      text,                      -- 监督员 responsible for the work grid
  geom           geometry(MultiPolygon, 4326) NOT NULL,
  geom_3857      geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED
);
CREATE INDEX work_grids_geom_idx ON work_grids USING gist (geom);
CREATE INDEX work_grids_geom_3857_idx ON work_grids USING gist (geom_3857);

CREATE TABLE grids (
  code           text PRIMARY KEY CHECK (code ~ '^\d{14,15}$'),
  district_code  text NOT NULL,
  street_code    text NOT NULL,
  community_code text NOT NULL REFERENCES districts (code),
  work_grid_code text REFERENCES work_grids (code),
  version        int NOT NULL DEFAULT 1,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  geom           geometry(MultiPolygon, 4326) NOT NULL,
  geom_3857      geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
  CHECK (left(code, 12) = community_code AND left(code, 9) = street_code AND left(code, 6) = district_code)
);
CREATE INDEX grids_geom_idx ON grids USING gist (geom);
CREATE INDEX grids_geom_3857_idx ON grids USING gist (geom_3857);
CREATE INDEX grids_community_idx ON grids (community_code);

CREATE TABLE roads (
  id            text PRIMARY KEY,
  name          text NOT NULL,
  class         text NOT NULL CHECK (class IN ('main', 'secondary', 'alley')),
  source        text NOT NULL DEFAULT 'demo',  -- where the line came from (survey, osm, demo …)
  district_code text,
  geom          geometry(MultiLineString, 4326) NOT NULL,
  geom_3857     geometry(MultiLineString, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED
);
CREATE INDEX roads_geom_idx ON roads USING gist (geom);
CREATE INDEX roads_geom_3857_idx ON roads USING gist (geom_3857);

CREATE TABLE taxonomy (
  standard           text NOT NULL,          -- CJ/T 214-2007, GB/T 30428.2-2013, GB/T 47678.5-2026, local
  kind               text NOT NULL CHECK (kind IN ('component', 'event')),
  code               text NOT NULL,          -- major 2 digits; minor 4 (legacy) or 5 (GB/T 47678.5) digits
  level              text NOT NULL CHECK (level IN ('major', 'minor')),
  major_code         text NOT NULL,
  name               text NOT NULL,
  register_condition text,                   -- 立案条件
  time_limit_value   numeric,                -- 处置时限
  time_limit_unit    text CHECK (time_limit_unit IN ('work_hours', 'work_days', 'calendar_hours')),
  close_condition    text,                   -- 结案条件
  PRIMARY KEY (standard, kind, code),
  CHECK ((level = 'major' AND code ~ '^\d{2}$' AND major_code = code)
      OR (level = 'minor' AND code ~ '^\d{4,5}$' AND major_code = left(code, 2)))
);

CREATE TABLE departments (
  id               text PRIMARY KEY,
  name             text NOT NULL UNIQUE,
  parent_id        text REFERENCES departments (id),
  assessment_group text CHECK (assessment_group IN ('A', 'B')),
  kind             text                     -- 职能部门 / 街道 / 执法 / 企业 … (free text)
);

CREATE TABLE zones (
  id               text PRIMARY KEY,
  name             text NOT NULL,
  level            text NOT NULL CHECK (level IN ('prohibited', 'restricted', 'key')),
  district_code    text,
  -- allowed time windows for restricted zones: [{"days":[1,2,3,4,5,6,7],"from":"06:00","to":"09:00"}], ISO weekdays
  windows          jsonb NOT NULL DEFAULT '[]',
  governed_minors  text[] NOT NULL DEFAULT '{}',   -- "event:0501" style kind:code keys
  time_limit_class text CHECK (time_limit_class IN ('A', 'B', 'C')),
  geom             geometry(MultiPolygon, 4326) NOT NULL,
  geom_3857        geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED
);
CREATE INDEX zones_geom_idx ON zones USING gist (geom);
CREATE INDEX zones_geom_3857_idx ON zones USING gist (geom_3857);

CREATE TABLE components (
  id                 text PRIMARY KEY CHECK (id ~ '^\d{16,17}$'),  -- county(6)+major(2)+minor(2|3)+serial(6)
  district_code      text NOT NULL,
  kind_code          text NOT NULL,          -- the minor code (4 or 5 digits) within kind 'component'
  name               text,
  status             text NOT NULL DEFAULT 'intact'
                       CHECK (status IN ('intact', 'damaged', 'lost', 'abandoned', 'removed')), -- 完好/破损/丢失/废弃/移除
  owner_dept         text REFERENCES departments (id),
  maintainer_dept    text REFERENCES departments (id),
  grid_code          text,
  updated_at         timestamptz NOT NULL DEFAULT now(),
  geom               geometry(Point, 4326) NOT NULL,
  geom_3857          geometry(Point, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
  CHECK (left(id, 6) = district_code)
);
CREATE INDEX components_geom_idx ON components USING gist (geom);
CREATE INDEX components_geom_3857_idx ON components USING gist (geom_3857);

CREATE TABLE cases (
  id                 text NOT NULL,          -- e.g. 4502032026010100123; never a bare sequence
  district_code      text NOT NULL,
  source             text NOT NULL CHECK (source IN ('patrol', 'hotline', 'wechat', 'web', 'video', 'leader', 'media', 'follow-up')),
  kind               text NOT NULL CHECK (kind IN ('component', 'event')),
  major              text NOT NULL,
  minor              text NOT NULL,
  original_category  text,                   -- label from a legacy system when it did not map to a minor
  description        text,
  address            text,
  photos             jsonb NOT NULL DEFAULT '[]',
  reporter           text,
  component_id       text,
  status             text NOT NULL CHECK (status IN ('reported', 'accepted', 'registered', 'dispatched', 'handled',
                       'verified', 'closed', 'voided', 'suspended')),
  department_id      text REFERENCES departments (id),
  street_code        text,
  community_code     text,
  grid_code          text,
  work_grid_code     text,
  road_id            text,
  road_class         text CHECK (road_class IN ('main', 'secondary', 'alley')),
  zones              jsonb NOT NULL DEFAULT '[]',   -- [{id, level}] at intake
  zone_violation     text CHECK (zone_violation IN ('prohibited', 'restricted')),
  is_key             boolean NOT NULL DEFAULT false,  -- 重点案件
  time_limit_value   numeric,
  time_limit_unit    text CHECK (time_limit_unit IN ('work_hours', 'work_days', 'calendar_hours')),
  reported_at        timestamptz NOT NULL,
  accepted_at        timestamptz,
  registered_at      timestamptz,
  dispatched_at      timestamptz,
  handled_at         timestamptz,
  verified_at        timestamptz,
  closed_at          timestamptz,
  voided_at          timestamptz,
  suspended_at       timestamptz,             -- set while the clock is paused (挂账)
  suspended_seconds  int NOT NULL DEFAULT 0,  -- total paused time so far
  deadline           timestamptz,
  extended_count     int NOT NULL DEFAULT 0,  -- 延期
  rework_count       int NOT NULL DEFAULT 0,  -- 返工
  redispatch_count   int NOT NULL DEFAULT 0,  -- 二次派遣 / 回退
  duplicate_of       text,
  version            int NOT NULL DEFAULT 1,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  geom               geometry(Point, 4326) NOT NULL,
  geom_3857          geometry(Point, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
  PRIMARY KEY (district_code, id),
  CHECK (kind IN ('component', 'event') AND minor ~ '^\d{4,5}$' AND major = left(minor, 2))
);
CREATE INDEX cases_id_idx ON cases (id);
CREATE INDEX cases_geom_idx ON cases USING gist (geom);
CREATE INDEX cases_geom_3857_idx ON cases USING gist (geom_3857);
CREATE INDEX cases_reported_idx ON cases (reported_at);
CREATE INDEX cases_status_idx ON cases (status) WHERE status NOT IN ('closed', 'voided');
CREATE INDEX cases_department_idx ON cases (department_id, reported_at);

-- The outbox: one row per accepted change; the live stream's event id is this id. Append-only.
CREATE TABLE case_events (
  id            bigserial PRIMARY KEY,
  district_code text NOT NULL,
  case_id       text,
  type          text NOT NULL,               -- case.created, case.updated, case.light, zone.violation …
  actor         text,
  department_id text,
  payload       jsonb NOT NULL DEFAULT '{}',
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_events_case_idx ON case_events (case_id);

CREATE FUNCTION case_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'case_events is append-only';
END $$;
CREATE TRIGGER case_events_no_update BEFORE UPDATE OR DELETE ON case_events
  FOR EACH ROW EXECUTE FUNCTION case_events_append_only();
