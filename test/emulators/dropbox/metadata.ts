import type { DisplayCase, ExportFormatInfo, Node } from './types.ts';

/**
 * Files Dropbox cannot hand out as bytes, by extension. Paper docs export as Markdown, HTML or
 * plain text (Dropbox's Paper-in-the-filesystem formats; the format names follow the Paper API's
 * "markdown" / "html" / "plain_text" values). Google files export as their Office counterparts.
 * The lists are not in Dropbox's spec, so they are an option of the emulator.
 */
export const DEFAULT_EXPORT_FORMATS: Record<string, ExportFormatInfo> = {
  paper: { exportAs: 'markdown', exportOptions: ['markdown', 'html', 'plain_text'] },
  gdoc: { exportAs: 'docx', exportOptions: ['docx'] },
  gsheet: { exportAs: 'xlsx', exportOptions: ['xlsx'] },
  gslides: { exportAs: 'pptx', exportOptions: ['pptx'] },
};

/** File extension of an exported name, by export format. */
const FORMAT_EXTENSIONS: Record<string, string> = { markdown: 'md', plain_text: 'txt' };

export interface FileMetadata {
  '.tag': 'file';
  name: string;
  path_lower: string;
  path_display: string;
  id: string;
  client_modified: string;
  server_modified: string;
  rev: string;
  size: number;
  is_downloadable: boolean;
  content_hash: string;
  export_info?: { export_as: string; export_options: string[] };
}

export interface FolderMetadata {
  '.tag': 'folder';
  name: string;
  path_lower: string;
  path_display: string;
  id: string;
}

export interface DeletedMetadata {
  '.tag': 'deleted';
  name: string;
  path_lower: string;
  path_display: string;
}

export type Metadata = FileMetadata | FolderMetadata | DeletedMetadata;

export class MetadataBuilder {
  private readonly displayCase: DisplayCase;
  private readonly exportFormats: Record<string, ExportFormatInfo>;

  constructor(displayCase: DisplayCase, exportFormats: Record<string, ExportFormatInfo>) {
    this.displayCase = displayCase;
    this.exportFormats = exportFormats;
  }

  /** Export formats of a file that cannot be downloaded, or null if it can. */
  exportInfo(name: string): ExportFormatInfo | null {
    const dot = name.lastIndexOf('.');
    if (dot <= 0) return null;
    return this.exportFormats[name.slice(dot + 1).toLowerCase()] ?? null;
  }

  of(node: Node): FileMetadata | FolderMetadata {
    const common = {
      name: node.name,
      path_lower: node.pathLower,
      path_display: this.display(node),
      id: node.id,
    };
    if (node.kind === 'folder') return { '.tag': 'folder', ...common };
    const modified = timestamp(node.mtimeMs);
    const file: FileMetadata = {
      '.tag': 'file',
      ...common,
      client_modified: modified,
      server_modified: modified,
      rev: node.rev,
      size: node.size,
      is_downloadable: true,
      content_hash: node.contentHash,
    };
    const info = this.exportInfo(node.name);
    if (info !== null) {
      file.is_downloadable = false;
      file.export_info = { export_as: info.exportAs, export_options: [...info.exportOptions] };
    }
    return file;
  }

  deleted(last: Node): DeletedMetadata {
    return {
      '.tag': 'deleted',
      name: last.name,
      path_lower: last.pathLower,
      path_display: this.display(last),
    };
  }

  /** Dropbox guarantees only the last component's case; 'lower-parents' serves just that. */
  private display(node: Node): string {
    if (this.displayCase === 'exact') return node.pathExact;
    const slash = node.pathLower.lastIndexOf('/');
    return `${node.pathLower.slice(0, slash)}/${node.name}`;
  }
}

/** The exported file's name: the original without its extension, plus the format's. */
export function exportedName(name: string, format: string): string {
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  return `${stem}.${FORMAT_EXTENSIONS[format] ?? format}`;
}

/** ISO 8601 in UTC without milliseconds, as Dropbox writes timestamps. */
export function timestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
