import { badRequest } from './errors.ts';

/** The argument fields a route accepts, checked the way Dropbox's stone validators check them. */
export type FieldSpec =
  | { type: 'string'; required?: boolean; pattern?: RegExp; minLength?: number }
  | { type: 'boolean' }
  | { type: 'uint'; min: number; max: number }
  | { type: 'object' };

export type RouteSpec = Record<string, FieldSpec>;

/** Patterns from Dropbox's files.stone (PathROrId, ReadPath, Rev). */
export const PATH_R_OR_ID = /^(?:(\/(.|[\r\n])*)?|id:.*|(ns:[0-9]+(\/.*)?))$/s;
export const READ_PATH = /^(?:(\/(.|[\r\n])*|id:.*)|(rev:[0-9a-f]{9,})|(ns:[0-9]+(\/.*)?))$/s;
export const REV = /^[0-9a-f]+$/;

const LIST_FOLDER: RouteSpec = {
  path: { type: 'string', required: true, pattern: PATH_R_OR_ID },
  recursive: { type: 'boolean' },
  include_media_info: { type: 'boolean' },
  include_deleted: { type: 'boolean' },
  include_has_explicit_shared_members: { type: 'boolean' },
  include_mounted_folders: { type: 'boolean' },
  limit: { type: 'uint', min: 1, max: 2000 },
  shared_link: { type: 'object' },
  include_property_groups: { type: 'object' },
  include_non_downloadable_files: { type: 'boolean' },
  include_restorable_info: { type: 'boolean' },
};

export const ROUTE_SPECS: Record<string, RouteSpec> = {
  'files/list_folder': LIST_FOLDER,
  'files/list_folder/get_latest_cursor': LIST_FOLDER,
  'files/list_folder/continue': { cursor: { type: 'string', required: true, minLength: 1 } },
  'files/get_metadata': {
    path: { type: 'string', required: true, pattern: READ_PATH },
    include_media_info: { type: 'boolean' },
    include_deleted: { type: 'boolean' },
    include_has_explicit_shared_members: { type: 'boolean' },
    include_property_groups: { type: 'object' },
  },
  'files/download': {
    path: { type: 'string', required: true, pattern: READ_PATH },
    rev: { type: 'string', pattern: REV, minLength: 9 },
  },
  'files/export': {
    path: { type: 'string', required: true, pattern: READ_PATH },
    export_format: { type: 'string' },
  },
};

export type Args = Record<string, unknown>;

/**
 * Checks decoded JSON against a route's fields. `where` names the argument's origin in the
 * message, as Dropbox does: "request body", or `HTTP header "Dropbox-API-Arg"`.
 */
export function checkArgs(route: string, where: string, value: unknown, spec: RouteSpec): Args {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest(route, `${where}: expected object, got ${typeName(value)}`);
  }
  const args = value as Args;
  const out: Args = {};
  for (const key of Object.keys(args)) {
    if (!(key in spec)) throw badRequest(route, `${where}: unknown field '${key}'`);
  }
  for (const [name, field] of Object.entries(spec)) {
    const v = args[name];
    if (v === undefined || v === null) {
      if (field.type === 'string' && field.required === true) {
        throw badRequest(route, `${where}: missing required field '${name}'`);
      }
      continue;
    }
    checkField(route, `${where}: ${name}`, v, field);
    out[name] = v;
  }
  return out;
}

function checkField(route: string, where: string, v: unknown, field: FieldSpec): void {
  switch (field.type) {
    case 'string':
      if (typeof v !== 'string')
        throw badRequest(route, `${where}: expected string, got ${typeName(v)}`);
      if (field.minLength !== undefined && v.length < field.minLength) {
        throw badRequest(
          route,
          `${where}: '${v}' must be at least ${field.minLength} characters, got ${v.length}`,
        );
      }
      if (field.pattern !== undefined && !field.pattern.test(v)) {
        throw badRequest(
          route,
          `${where}: '${v}' did not match pattern '${patternText(field.pattern)}'`,
        );
      }
      return;
    case 'boolean':
      if (typeof v !== 'boolean')
        throw badRequest(route, `${where}: expected boolean, got ${typeName(v)}`);
      return;
    case 'uint':
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        throw badRequest(route, `${where}: expected integer, got ${typeName(v)}`);
      }
      if (v < field.min || v > field.max) {
        throw badRequest(route, `${where}: ${v} is not within range [${field.min}, ${field.max}]`);
      }
      return;
    case 'object':
      if (typeof v !== 'object')
        throw badRequest(route, `${where}: expected object, got ${typeName(v)}`);
      return;
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'float';
  return typeof v;
}

function patternText(pattern: RegExp): string {
  return pattern.source.replace(/^\^\(\?:/, '').replace(/\)\$$/, '');
}
