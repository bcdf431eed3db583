/**
 * Assessment settings (geodata/assessment.json) and the scoring schemes (geodata/schemes/*.json), read and
 * validated once at start: a broken file stops the start with an error naming the file and the field.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { offsetMs } from '../domain/assessment/period.ts';
import { parseScheme, SchemeError, type Scheme } from '../domain/assessment/scheme.ts';

const GEODATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../geodata');
export const SETTINGS_FILE = path.join(GEODATA, 'assessment.json');
export const SCHEMES_DIR = path.join(GEODATA, 'schemes');

export interface TimeWindow {
  name: string;
  /** seconds after local midnight, [from, to); from > to wraps over midnight */
  from: number;
  to: number;
}

export interface AssessmentSettings {
  utcOffset: string;
  timeWindows: TimeWindow[];
  defaultScheme: string;
  /** the issuing office, after the county name (…城市管理委员会办公室) */
  issuer: string;
}

const clock = (v: unknown, field: string, file: string): number => {
  const m = typeof v === 'string' ? /^(\d{2}):(\d{2})$/.exec(v) : null;
  if (!m || Number(m[1]) > 24 || Number(m[2]) > 59 || (Number(m[1]) === 24 && m[2] !== '00')) throw new Error(`${file}: ${field} must be HH:MM (00:00–24:00)`);
  return Number(m[1]) * 3600 + Number(m[2]) * 60;
};

export function parseSettings(json: unknown, file = 'geodata/assessment.json'): AssessmentSettings {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new Error(`${file}: must be a JSON object`);
  const o = json as Record<string, unknown>;
  const utcOffset = o.utcOffset === undefined ? '+08:00' : String(o.utcOffset);
  try {
    offsetMs(utcOffset);
  } catch {
    throw new Error(`${file}: utcOffset must look like +08:00, got ${JSON.stringify(o.utcOffset)}`);
  }
  if (o.timeWindows !== undefined && !Array.isArray(o.timeWindows)) throw new Error(`${file}: timeWindows must be an array`);
  const timeWindows = ((o.timeWindows as unknown[]) ?? []).map((w, i) => {
    const f = `timeWindows[${i}]`;
    if (!w || typeof w !== 'object') throw new Error(`${file}: ${f} must be an object {name, from, to}`);
    const x = w as Record<string, unknown>;
    if (typeof x.name !== 'string' || !x.name) throw new Error(`${file}: ${f}.name must be a non-empty string`);
    const from = clock(x.from, `${f}.from`, file);
    const to = clock(x.to, `${f}.to`, file) % 86400;
    if (from === to) throw new Error(`${file}: ${f} is empty (from = to)`);
    return { name: x.name, from, to };
  });
  const str = (k: string, d: string) => {
    if (o[k] === undefined) return d;
    if (typeof o[k] !== 'string' || !o[k]) throw new Error(`${file}: ${k} must be a non-empty string`);
    return o[k] as string;
  };
  return { utcOffset, timeWindows, defaultScheme: str('defaultScheme', 'liuzhou-2023'), issuer: str('issuer', '城市管理委员会办公室') };
}

export function loadSettings(file = SETTINGS_FILE): AssessmentSettings {
  const rel = path.relative(process.cwd(), file) || file;
  if (!fs.existsSync(file)) return parseSettings({}, rel);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${rel}: not valid JSON (${(err as Error).message})`);
  }
  return parseSettings(json, rel);
}

/** Every *.json in the folder, validated; the file name must be the scheme's id. */
export function loadSchemes(dir = SCHEMES_DIR): Map<string, Scheme> {
  const out = new Map<string, Scheme>();
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const file = path.join(dir, f);
    const rel = path.relative(process.cwd(), file) || file;
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new SchemeError(rel, '(file)', `is not valid JSON (${(err as Error).message})`);
    }
    const scheme = parseScheme(json, rel);
    if (`${scheme.id}.json` !== f) throw new SchemeError(rel, 'id', `"${scheme.id}" must match the file name`);
    out.set(scheme.id, scheme);
  }
  return out;
}
