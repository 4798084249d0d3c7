import { permanent, type MigrationError } from '../errors.ts';
import type { FileRecord } from '../ledger/records.ts';
import type { SourceFile } from './source.ts';

/** `--exports` and `--export-format`. */
export interface ExportSettings {
  readonly mode: 'export' | 'skip';
  /** Used for every document Dropbox offers it for; the others get Dropbox's suggestion. */
  readonly format: string | undefined;
}

/**
 * File extension of each export format Dropbox names (`export_as`, `export_options`). The object
 * key is the document's own name plus this extension, so `Plan.paper` becomes `Plan.paper.md`.
 */
const EXTENSIONS: Readonly<Record<string, string>> = {
  markdown: 'md',
  md: 'md',
  html: 'html',
  plain_text: 'txt',
  txt: 'txt',
  pdf: 'pdf',
  docx: 'docx',
  xlsx: 'xlsx',
  pptx: 'pptx',
  odt: 'odt',
  ods: 'ods',
  odp: 'odp',
  csv: 'csv',
  rtf: 'rtf',
  epub: 'epub',
};

export function exportExtension(format: string): string | undefined {
  return Object.hasOwn(EXTENSIONS, format) ? EXTENSIONS[format] : undefined;
}

/** What the inventory does with a file Dropbox cannot download. */
export type ExportPlan =
  | { readonly kind: 'skip' }
  | { readonly kind: 'export'; readonly format: string; readonly extension: string }
  | { readonly kind: 'fail'; readonly error: MigrationError };

/**
 * `--export-format` wins where Dropbox offers it for this document (a Paper doc has html, a Google
 * Sheet does not); elsewhere Dropbox's suggestion is used, so one flag suits a mixed account.
 */
export function planExport(file: SourceFile, path: string, settings: ExportSettings): ExportPlan {
  if (settings.mode === 'skip') return { kind: 'skip' };
  const info = file.exportInfo;
  if (info === undefined) {
    return {
      kind: 'fail',
      error: permanent(
        'unsupported_file',
        `${path}: Dropbox can neither download nor export this file (it offers no export format).`,
      ),
    };
  }
  const wanted = settings.format;
  const format =
    wanted !== undefined && (info.exportOptions.includes(wanted) || wanted === info.exportAs)
      ? wanted
      : info.exportAs;
  const extension = exportExtension(format);
  if (extension === undefined) {
    const offered = [...new Set([info.exportAs, ...info.exportOptions])].join(', ');
    return {
      kind: 'fail',
      error: permanent(
        'unsupported_file',
        `${path}: Dropbox exports this document as "${format}", a format this tool has no file ` +
          `extension for. Dropbox offers: ${offered}; choose a known one with --export-format ` +
          `(${Object.keys(EXTENSIONS).join(', ')}).`,
      ),
    };
  }
  return { kind: 'export', format, extension };
}

/** The lower-cased Dropbox path a real file would have to take the export's key. */
export function exportedPathLower(pathLower: string, extension: string): string {
  return `${pathLower}.${extension}`;
}

/**
 * For a real file at `pathLower`, the path of the document whose export would share its key
 * (`/a/plan.paper.md` → `/a/plan.paper`), if its name ends like an export's.
 */
export function exportSourcePath(pathLower: string): string | undefined {
  const dot = pathLower.lastIndexOf('.');
  if (dot <= pathLower.lastIndexOf('/') + 1) return undefined;
  return Object.values(EXTENSIONS).includes(pathLower.slice(dot + 1))
    ? pathLower.slice(0, dot)
    : undefined;
}

/** True when `record` is an export whose key a real file at `pathLower` takes. */
export function exportCollidesWith(record: FileRecord, pathLower: string): boolean {
  if (record.exportFormat === undefined || record.deletedAt !== undefined) return false;
  const extension = exportExtension(record.exportFormat);
  return extension !== undefined && exportedPathLower(record.pathLower, extension) === pathLower;
}

export function collision(exportPath: string, key: string, realPath: string): MigrationError {
  return permanent(
    'key_collision',
    `${exportPath}: its export would be stored as ${key}, which is also the key of the real file ` +
      `${realPath}; the real file is migrated and the document is not. Rename one of them in ` +
      'Dropbox to keep both.',
  );
}
