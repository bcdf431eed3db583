/**
 * Grid size (degrees, about 0.1 mm) of the overlays (ST_Difference) of the grid checks. A fixed-precision overlay
 * keeps GEOS from failing on nearly coincident shared edges; in PGlite (PostGIS 3.6 / GEOS 3.14) that failure is
 * silent — the statement loses its rows (tests/fixtures/pglite-geos-exception.json). Far below every tolerance.
 */
export const OVERLAY_GRID = '1e-9::float8';
