import type pg from 'pg';

/** Degrees per metre near the mini city (24.275° N): east and north. */
export const M_LON = 1 / (111_320 * Math.cos((24.275 * Math.PI) / 180));
export const M_LAT = 1 / 110_757;

export interface PlantedCase {
  id: string;
  kind?: 'component' | 'event';
  minor?: string;
  lon: number;
  lat: number;
  /** ISO time */
  at: string;
  /** stored road class; undefined → 'alley', null → NULL (as an import without derivations) */
  roadClass?: 'main' | 'secondary' | 'alley' | null;
  zones?: { id: string; level: string; violation?: boolean }[];
  zoneViolation?: 'prohibited' | 'restricted' | null;
  department?: string | null;
  status?: string;
  district?: string;
}

/**
 * Inserts cases directly (no intake), with street, community and grid taken from the polygons the point falls in.
 * Returns the rows as assignRepeatGroup wants them.
 */
export async function plantCases(db: Pick<pg.ClientBase, 'query'>, cases: PlantedCase[]) {
  for (const c of cases) {
    const minor = c.minor ?? '0102';
    await db.query(
      `INSERT INTO cases (id, district_code, source, kind, major, minor, status, department_id, road_class, zones, zone_violation, reported_at, geom,
                          street_code, community_code, grid_code)
       SELECT $1, $2, 'patrol', $3, left($4, 2), $4, $5, $6, $7, $8::jsonb, $9, $10, p,
              (SELECT code FROM districts WHERE level = 'street' AND ST_Intersects(geom, p) ORDER BY code LIMIT 1),
              (SELECT code FROM districts WHERE level = 'community' AND ST_Intersects(geom, p) ORDER BY code LIMIT 1),
              (SELECT code FROM grids WHERE ST_Intersects(geom, p) ORDER BY code LIMIT 1)
         FROM (SELECT ST_SetSRID(ST_MakePoint($11::float8, $12::float8), 4326) AS p) s`,
      [
        c.id, c.district ?? '450203', c.kind ?? 'event', minor, c.status ?? 'registered', c.department === undefined ? 'd1' : c.department,
        c.roadClass === undefined ? 'alley' : c.roadClass, JSON.stringify(c.zones ?? []), c.zoneViolation ?? null, new Date(c.at), c.lon, c.lat,
      ],
    );
  }
  return cases.map((c) => ({ districtCode: c.district ?? '450203', id: c.id, kind: c.kind ?? 'event', minor: c.minor ?? '0102', reportedAt: new Date(c.at) }) as const);
}

/** A 19-digit case id: county + yyyymmdd + serial. */
export const caseId = (day: string, serial: number, county = '450203') => `${county}${day.replaceAll('-', '')}${String(serial).padStart(5, '0')}`;
