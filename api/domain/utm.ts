/** EPSG code of the WGS 84 / UTM zone containing (lon, lat): 326zz north, 327zz south. */
export function utmSrid(lon: number, lat: number): number {
  if (!Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lat) > 90) throw new RangeError(`not a WGS84 position: ${lon}, ${lat}`);
  const zone = Math.min(60, Math.floor((((lon + 180) % 360) + 360) % 360 / 6) + 1);
  return (lat >= 0 ? 32600 : 32700) + zone;
}
