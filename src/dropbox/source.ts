import { Dropbox, DropboxAuth, DropboxResponseError, type files } from 'dropbox';
import { SHA256_BLOCKS } from '../engine/content-hash.ts';
import { fatal, MigrationError } from '../errors.ts';
import type {
  ExportedDocument,
  ListPage,
  Source,
  SourceEntry,
  SourceFile,
} from '../engine/source.ts';
import { classifyDropboxError, classifyNetworkError, type DropboxHttpError } from './errors.ts';
import { CONTENT_BASE_URL, redirectingFetch } from './hosts.ts';
import { pathRootFetch, teamRootOf } from './path-root.ts';
import type { DropboxSettings } from './settings.ts';

/** Dropbox's largest page of a listing. */
export const LIST_LIMIT = 2000;

type Metadata =
  files.FileMetadataReference | files.FolderMetadataReference | files.DeletedMetadataReference;

/** What a front door hands the Dropbox source besides its settings; each has a default. */
export interface DropboxSourceOptions {
  /** Every HTTP request goes through it (tests send them to the emulator). */
  readonly fetch?: typeof fetch;
  /** Lines for the log (the path root found, a refresh); stderr by default. */
  readonly note?: (line: string) => void;
  /** Told every access token the SDK obtains, before it is used (the action masks them). */
  readonly onSecret?: (secret: string) => void;
}

/** Dropbox as a `Source`: the SDK for auth and listing, plain streaming `fetch` for content. */
export class DropboxSource implements Source {
  /**
   * Dropbox's `content_hash`: SHA-256 over the SHA-256 digests of each 4 MiB block
   * (https://www.dropbox.com/developers/reference/content-hash). An export's `export_hash` is
   * "similar to content hash" (the API spec's ExportMetadata), and checked the same way.
   */
  readonly contentHash = SHA256_BLOCKS;
  private readonly client: Dropbox;
  private readonly auth: DropboxAuth;
  private readonly contentUrl: string;
  private readonly canRefresh: boolean;
  private readonly fetcher: typeof fetch;
  /** The refresh under way, shared by every caller that needs a new token meanwhile. */
  private refreshing: Promise<void> | undefined;
  private readonly teamRoot: boolean;
  /** With --team-root: the account's path root, found once before the first call. */
  private rooting: Promise<void> | undefined;
  private pathRoot: string | undefined;
  private readonly note: (line: string) => void;
  /** Told every access token the SDK obtains, before it is used (the action masks them). */
  private readonly onSecret: (secret: string) => void;
  private lastToken = '';

  constructor(settings: DropboxSettings, options: DropboxSourceOptions = {}) {
    const { credentials, baseUrl } = settings;
    const fetcher = options.fetch ?? fetch;
    this.onSecret = options.onSecret ?? (() => undefined);
    this.teamRoot = settings.teamRoot;
    this.note =
      options.note ??
      ((line) => {
        process.stderr.write(`dropbox-to-s3: ${line}\n`);
      });
    this.fetcher = pathRootFetch(
      baseUrl === undefined ? fetcher : redirectingFetch(baseUrl, fetcher),
      () => this.pathRoot,
    );
    this.contentUrl = baseUrl ?? CONTENT_BASE_URL;
    this.canRefresh = credentials.refreshToken !== undefined;
    this.auth = new DropboxAuth({
      fetch: this.fetcher,
      ...(credentials.refreshToken === undefined
        ? { accessToken: credentials.accessToken ?? '' }
        : {
            clientId: credentials.appKey ?? '',
            refreshToken: credentials.refreshToken,
            ...(credentials.appSecret === undefined ? {} : { clientSecret: credentials.appSecret }),
          }),
    });
    this.client = new Dropbox({ auth: this.auth });
  }

  /** Gets a first access token, so bad credentials fail before any work. */
  async connect(): Promise<void> {
    await this.call('checking the Dropbox credentials', () => this.client.usersGetCurrentAccount());
  }

  async list(path: string, recursive: boolean): Promise<ListPage> {
    const result = await this.call(`listing ${path || '/'}`, () =>
      this.client.filesListFolder({
        path,
        recursive,
        limit: LIST_LIMIT,
        include_deleted: false,
        include_non_downloadable_files: true,
      }),
    );
    return toPage(result.result);
  }

  async listContinue(cursor: string): Promise<ListPage> {
    const result = await this.call('continuing the listing', () =>
      this.client.filesListFolderContinue({ cursor }),
    );
    return toPage(result.result);
  }

  async latestCursor(path: string, recursive: boolean): Promise<string> {
    const result = await this.call(`getting a cursor for ${path || '/'}`, () =>
      this.client.filesListFolderGetLatestCursor({ path, recursive, include_deleted: false }),
    );
    return result.result.cursor;
  }

  async open(
    file: SourceFile,
    offset: number,
    signal: AbortSignal,
  ): Promise<AsyncIterable<Uint8Array>> {
    const what = `downloading ${file.pathDisplay}`;
    return this.withFreshToken(what, async (token) => {
      const headers: Record<string, string> = {
        Authorization: `Bearer ${token}`,
        'Dropbox-API-Arg': headerSafeJson({ path: `rev:${file.rev}` }),
      };
      if (offset > 0) headers.Range = `bytes=${String(offset)}-`;
      let response: Response;
      try {
        response = await this.fetcher(`${this.contentUrl}/2/files/download`, {
          method: 'POST',
          headers,
          signal,
        });
      } catch (error) {
        throw classifyNetworkError(error, what);
      }
      if (!response.ok) throw classifyDropboxError(await httpErrorOf(response), what);
      if (offset > 0 && response.status !== 206) {
        await response.body?.cancel();
        throw classifyNetworkError(new Error('the server ignored the Range header'), what);
      }
      if (response.body === null) throw classifyNetworkError(new Error('no body'), what);
      return classifiedStream(response.body, what);
    });
  }

  /** With --team-root, roots every later call at the team space (once; again after a failure). */
  private async rooted(): Promise<void> {
    if (!this.teamRoot) return;
    this.rooting ??= (async () => {
      const what = 'reading the team space of the Dropbox account';
      await this.accessToken(what);
      let account;
      try {
        account = await this.client.usersGetCurrentAccount();
      } catch (error) {
        throw this.classify(error, what);
      }
      const root = teamRootOf(account.result.root_info);
      this.pathRoot = root.header;
      this.note(root.note);
    })().catch((error: unknown) => {
      this.rooting = undefined;
      throw error;
    });
    await this.rooting;
  }

  async exportDocument(
    file: SourceFile,
    format: string,
    signal: AbortSignal,
  ): Promise<ExportedDocument> {
    const what = `exporting ${file.pathDisplay} as ${format}`;
    return this.withFreshToken(what, async (token) => {
      let response: Response;
      try {
        response = await this.fetcher(`${this.contentUrl}/2/files/export`, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${token}`,
            // By id: a document keeps its id when moved; the result names the rev exported.
            'Dropbox-API-Arg': headerSafeJson({ path: file.id, export_format: format }),
          },
          signal,
        });
      } catch (error) {
        throw classifyNetworkError(error, what);
      }
      if (!response.ok) throw classifyDropboxError(await httpErrorOf(response), what);
      if (response.body === null) throw classifyNetworkError(new Error('no body'), what);
      const result = exportResultOf(response.headers.get('dropbox-api-result'));
      if (result === undefined) {
        await response.body.cancel();
        throw classifyNetworkError(new Error('no readable Dropbox-API-Result header'), what);
      }
      return { ...result, body: cancellableStream(response.body, what) };
    });
  }

  private async accessToken(what: string): Promise<string> {
    try {
      // The SDK refreshes a token close to expiry; many downloads asking at once share one refresh.
      await this.shared(() => this.auth.checkAndRefreshAccessToken());
    } catch (error) {
      throw this.classify(error, what);
    }
    return this.currentToken();
  }

  private currentToken(): string {
    const token = this.auth.getAccessToken();
    if (token !== this.lastToken && token !== '') {
      this.lastToken = token;
      this.onSecret(token);
    }
    return token;
  }

  /** Runs `refresh` unless one is already running, in which case it waits for that one. */
  private shared(refresh: () => Promise<void>): Promise<void> {
    this.refreshing ??= refresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    return this.withFreshToken(what, async () => {
      try {
        return await run();
      } catch (error) {
        throw this.classify(error, what);
      }
    });
  }

  /**
   * Runs `run` with a current access token; when Dropbox says it expired, refreshes it and runs
   * once more.
   * A token that cannot be refreshed (an access token given directly) is fatal.
   */
  private async withFreshToken<T>(what: string, run: (token: string) => Promise<T>): Promise<T> {
    await this.rooted();
    const used = await this.accessToken(what);
    try {
      return await run(used);
    } catch (error) {
      if (!(error instanceof MigrationError) || error.failureClass !== 'expired_token') throw error;
      if (!this.canRefresh) {
        throw fatal(
          'bad_credentials',
          `the Dropbox access token expired while ${what}; use DROPBOX_REFRESH_TOKEN with ` +
            'DROPBOX_APP_KEY for runs longer than a few hours.',
        );
      }
      // Every worker in flight hears "expired" at once: one refresh serves them all, and a
      // worker whose token was already replaced just tries again with the new one.
      if (this.auth.getAccessToken() === used) {
        try {
          await this.shared(() => this.auth.refreshAccessToken());
        } catch (refreshError) {
          throw this.classify(refreshError, 'refreshing the Dropbox access token');
        }
      }
      return run(this.currentToken());
    }
  }

  private classify(error: unknown, what: string): Error {
    if (error instanceof MigrationError) return error;
    if (error instanceof DropboxResponseError) {
      return classifyDropboxError(
        { status: error.status, headers: toHeaders(error.headers), body: error.error },
        what,
      );
    }
    return classifyNetworkError(error, what);
  }
}

/** The body, with a connection cut part-way turned into a classified (retryable) error. */
async function* classifiedStream(
  body: AsyncIterable<Uint8Array>,
  what: string,
): AsyncGenerator<Uint8Array> {
  try {
    yield* body;
  } catch (error) {
    throw classifyNetworkError(error, what);
  }
}

/** The parts of an export's `Dropbox-API-Result` (an `ExportResult`) that the engine uses. */
function exportResultOf(header: string | null): Omit<ExportedDocument, 'body'> | undefined {
  if (header === null) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(header);
  } catch {
    return undefined;
  }
  const result = parsed as Partial<files.ExportResult> | null;
  const exported = result?.export_metadata;
  if (typeof exported?.size !== 'number') return undefined;
  return {
    size: exported.size,
    exportHash: typeof exported.export_hash === 'string' ? exported.export_hash : undefined,
    rev: typeof result?.file_metadata?.rev === 'string' ? result.file_metadata.rev : undefined,
  };
}

/**
 * Like `classifiedStream`, but letting go of the body before reading it cancels it too (a
 * generator that never started ignores `return()`): an export can be refused on its header alone.
 */
function cancellableStream(
  body: ReadableStream<Uint8Array>,
  what: string,
): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]: () => {
      const inner = body[Symbol.asyncIterator]();
      return {
        next: async () => {
          try {
            return await inner.next();
          } catch (error) {
            throw classifyNetworkError(error, what);
          }
        },
        return: async () => {
          await inner.return?.();
          return { done: true, value: undefined };
        },
      };
    },
  };
}

function toHeaders(headers: unknown): Headers | undefined {
  return headers instanceof Headers ? headers : undefined;
}

async function httpErrorOf(response: Response): Promise<DropboxHttpError> {
  const text = await response.text().catch(() => '');
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Dropbox answers some errors (400s, some 429s) in plain text.
  }
  return { status: response.status, headers: response.headers, body };
}

/** JSON for an HTTP header: Dropbox wants non-ASCII escaped as \uXXXX. */
export function headerSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function toPage(result: files.ListFolderResult): ListPage {
  return {
    entries: (result.entries as Metadata[]).map(toEntry),
    cursor: result.cursor,
    hasMore: result.has_more,
  };
}

function toEntry(entry: Metadata): SourceEntry {
  const pathLower = entry.path_lower ?? '';
  const pathDisplay = entry.path_display ?? pathLower;
  switch (entry['.tag']) {
    case 'file':
      return {
        kind: 'file',
        id: entry.id,
        name: entry.name,
        pathLower,
        pathDisplay,
        rev: entry.rev,
        size: entry.size,
        contentHash: entry.content_hash ?? '',
        serverModified: entry.server_modified,
        clientModified: entry.client_modified,
        downloadable: entry.is_downloadable ?? true,
        ...(entry.export_info?.export_as === undefined
          ? {}
          : {
              exportInfo: {
                exportAs: entry.export_info.export_as,
                exportOptions: entry.export_info.export_options ?? [],
              },
            }),
      };
    case 'folder':
      return { kind: 'folder', id: entry.id, name: entry.name, pathLower, pathDisplay };
    case 'deleted':
      return { kind: 'deleted', name: entry.name, pathLower, pathDisplay };
  }
}
