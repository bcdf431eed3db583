/**
 * Response JSON written as strings: 50k cells × a prebuilt GeoJSON geometry from PostGIS are spliced in
 * without parsing them into objects and serialising them again.
 */
import type { CellKind } from './cells.ts';

/** A finite number rounded to `digits` decimals, else null. */
export function num(v: number, digits = 6): string {
  if (!Number.isFinite(v)) return 'null';
  const f = 10 ** digits;
  return String(Math.round(v * f) / f);
}

/** A p-value to 6 significant digits (small p stay distinguishable), else null. */
export function pnum(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(6))) : 'null';
}

/** The index properties of a cell: col/row for squares, q/r (axial) for hexagons. */
export function indexProps(kind: CellKind, a: number, b: number): string {
  return kind === 'square' ? `"col":${a},"row":${b}` : `"q":${a},"r":${b}`;
}

export function feature(id: number, geometry: string, properties: string): string {
  return `{"type":"Feature","id":${id},"geometry":${geometry},"properties":{${properties}}}`;
}

export function featureCollection(features: string[]): string {
  return `{"type":"FeatureCollection","features":[${features.join(',')}]}`;
}

/** Milliseconds per phase of an analysis, reported in `parameters.timingsMs` (where the time went). */
export class Stopwatch {
  readonly laps: Record<string, number> = {};
  private t = performance.now();
  lap(name: string): void {
    const now = performance.now();
    this.laps[name] = Math.round(now - this.t);
    this.t = now;
  }
}
