/**
 * `--include` / `--exclude`: gitignore-style globs on Dropbox paths relative to the source path.
 *
 * The dialect (documented in the README):
 * - `*` matches any characters within one path segment, `?` one character (never `/`);
 * - `**` as a whole segment matches any number of segments, also none (`a/**` is everything in
 *   `a`; the same before a `/` is any folder, at any depth);
 * - `[abc]`, `[a-z]`, `[!a-z]` / `[^a-z]` match one character of (or not of) a class;
 * - `{a,b}` matches either alternative (may contain `/` and nest); `\` makes the next character
 *   literal;
 * - a pattern with a `/` at its start or in its middle is matched against the whole path from the
 *   source path; one without is matched against the name at any depth (`*.tmp`, `.DS_Store`);
 * - a trailing `/` matches folders only;
 * - a pattern that matches a folder matches everything inside it.
 *
 * Paths and patterns are compared lower-cased (Dropbox paths ignore case). The leading `/`, when
 * given, anchors a pattern to the source path as in gitignore.
 */

/** A pattern the dialect cannot read; config turns it into a ConfigError naming the flag. */
export class GlobSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GlobSyntaxError';
  }
}

/** Brace expansion stops here, so `{a,b}{c,d}…` cannot make a pattern explode. */
const MAX_ALTERNATIVES = 256;

type Token =
  | { readonly t: 'char'; readonly c: string }
  | { readonly t: 'star' }
  | { readonly t: 'any' }
  | { readonly t: 'class'; readonly source: string }
  | { readonly t: 'sep' }
  | { readonly t: 'open' }
  | { readonly t: 'comma' }
  | { readonly t: 'close' };

interface Alternative {
  /** Matches a path (folder or file) that the pattern names. */
  readonly path: RegExp;
  /** Matches a folder whose every descendant the pattern names (`a/**` names everything in `a`). */
  readonly contents: RegExp | undefined;
  readonly foldersOnly: boolean;
}

/**
 * The canonical form of a user's glob: lower case, and without a leading "/" where it changes
 * nothing (`/Photos/**` is `photos/**`), so equal filters are pinned as equal strings. Throws
 * GlobSyntaxError for a pattern the dialect cannot read.
 */
export function normalizeGlob(text: string): string {
  const glob = text.replace(/^\/+/, '/').toLowerCase();
  const compiled = Glob.compile(glob);
  if (!glob.startsWith('/') || glob.length === 1) return glob;
  const bare = glob.slice(1);
  return Glob.compile(bare).signature === compiled.signature ? bare : glob;
}

/** One compiled glob. */
export class Glob {
  readonly pattern: string;
  private readonly alternatives: readonly Alternative[];

  private constructor(pattern: string, alternatives: readonly Alternative[]) {
    this.pattern = pattern;
    this.alternatives = alternatives;
  }

  /** What the glob matches, as text: two globs with the same signature match the same paths. */
  get signature(): string {
    return this.alternatives
      .map((alternative) =>
        [alternative.path.source, alternative.foldersOnly, alternative.contents?.source].join(' '),
      )
      .join('\n');
  }

  /** Compiles a glob; throws GlobSyntaxError for one the dialect cannot read. */
  static compile(pattern: string): Glob {
    const tokens = tokenize(pattern);
    return new Glob(pattern, expandBraces(tokens).map(compileAlternative));
  }

  /**
   * Whether the pattern names `path` (relative, lower-case, "/"-separated) or one of the folders
   * it is in.
   */
  matches(path: string, kind: 'file' | 'folder'): boolean {
    const segments = path.split('/');
    for (let depth = 1; depth <= segments.length; depth += 1) {
      const prefix = segments.slice(0, depth).join('/');
      const isFolder = depth < segments.length || kind === 'folder';
      for (const alternative of this.alternatives) {
        if (alternative.foldersOnly && !isFolder) continue;
        if (alternative.path.test(prefix)) return true;
      }
    }
    return false;
  }

  /** Whether the pattern names everything a folder could contain. */
  coversContentsOf(folder: string): boolean {
    return this.alternatives.some((alternative) => alternative.contents?.test(folder) === true);
  }
}

/** The include and exclude globs of one migration, decided on relative, lower-case paths. */
export class PathFilter {
  private readonly include: readonly Glob[];
  private readonly exclude: readonly Glob[];

  constructor(filters: {
    readonly include: readonly string[];
    readonly exclude: readonly string[];
  }) {
    this.include = filters.include.map((pattern) => Glob.compile(pattern));
    this.exclude = filters.exclude.map((pattern) => Glob.compile(pattern));
  }

  /** A file is migrated when an include names it (or there is none) and no exclude does. */
  includesFile(path: string): boolean {
    if (this.exclude.some((glob) => glob.matches(path, 'file'))) return false;
    return this.include.length === 0 || this.include.some((glob) => glob.matches(path, 'file'));
  }

  /**
   * A folder is listed and recorded unless an exclude names it or all it can contain. Includes
   * do not prune folders: any folder may hold an included file.
   */
  includesFolder(path: string): boolean {
    return !this.exclude.some(
      (glob) => glob.matches(path, 'folder') || glob.coversContentsOf(path),
    );
  }
}

function tokenize(pattern: string): Token[] {
  // Code points, as the `u` RegExp matches them: `?` is one character, also outside the BMP.
  const chars = Array.from(pattern);
  const tokens: Token[] = [];
  let depth = 0;
  for (let i = 0; i < chars.length; i += 1) {
    const c = chars[i] as string;
    switch (c) {
      case '\\': {
        const next = chars[i + 1];
        if (next === undefined) throw new GlobSyntaxError('ends with a lone \\');
        tokens.push({ t: 'char', c: next });
        i += 1;
        break;
      }
      case '*':
        tokens.push({ t: 'star' });
        break;
      case '?':
        tokens.push({ t: 'any' });
        break;
      case '/':
        tokens.push({ t: 'sep' });
        break;
      case '[': {
        const { source, end } = characterClass(chars, i);
        tokens.push({ t: 'class', source });
        i = end;
        break;
      }
      case '{':
        depth += 1;
        tokens.push({ t: 'open' });
        break;
      case '}':
        if (depth === 0) tokens.push({ t: 'char', c });
        else {
          depth -= 1;
          tokens.push({ t: 'close' });
        }
        break;
      case ',':
        tokens.push(depth === 0 ? { t: 'char', c } : { t: 'comma' });
        break;
      default:
        tokens.push({ t: 'char', c });
    }
  }
  if (depth > 0) throw new GlobSyntaxError('has a { without its } (write \\{ for a literal {)');
  return tokens;
}

/** Reads `[…]` starting at `start`; returns the RegExp class and the index of its `]`. */
function characterClass(chars: readonly string[], start: number): { source: string; end: number } {
  let i = start + 1;
  const negated = chars[i] === '!' || chars[i] === '^';
  if (negated) i += 1;
  let body = '';
  let first = true;
  for (; i < chars.length; i += 1) {
    let c = chars[i] as string;
    // A `]` right after `[` or `[!` is a member, as in shells and gitignore.
    if (c === ']' && !first) {
      if (body === '') throw new GlobSyntaxError('has an empty [] class');
      // A class never matches the separator, negated or not.
      return { source: negated ? `[^/${body}]` : `[${body}]`, end: i };
    }
    first = false;
    if (c === '[' && chars[i + 1] === ':') {
      throw new GlobSyntaxError('uses a [: :] class, which is not supported (write [a-z] instead)');
    }
    if (c === '\\') {
      i += 1;
      c = chars[i] ?? '';
      if (c === '') break;
    }
    const to = chars[i + 2];
    if (chars[i + 1] === '-' && to !== undefined && to !== ']') {
      let last = to;
      i += 2;
      if (last === '\\') {
        i += 1;
        last = chars[i] ?? '';
        if (last === '') break;
      }
      if ((c.codePointAt(0) ?? 0) > (last.codePointAt(0) ?? 0)) {
        throw new GlobSyntaxError(`has a range ${c}-${last} that runs backwards`);
      }
      body += `${classChar(c)}-${classChar(last)}`;
    } else body += classChar(c);
  }
  throw new GlobSyntaxError('has a [ without its ] (write \\[ for a literal [)');
}

function classChar(c: string): string {
  return /[\\\]^[-]/.test(c) ? `\\${c}` : c;
}

/** `{a,b}` into separate token lists; a group without a comma stays literal, as in shells. */
function expandBraces(tokens: readonly Token[]): Token[][] {
  const done: Token[][] = [];
  const todo: Token[][] = [[...tokens]];
  for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
    const open = next.findIndex((token) => token.t === 'open');
    if (open < 0) {
      done.push(next);
      continue;
    }
    const parts: Token[][] = [[]];
    let depth = 0;
    let close = open + 1;
    for (; close < next.length; close += 1) {
      const token = next[close] as Token;
      if (token.t === 'close' && depth === 0) break;
      if (token.t === 'open') depth += 1;
      if (token.t === 'close') depth -= 1;
      if (token.t === 'comma' && depth === 0) parts.push([]);
      else (parts[parts.length - 1] as Token[]).push(token);
    }
    const before = next.slice(0, open);
    const after = next.slice(close + 1);
    if (parts.length === 1) {
      const literal: Token[] = [
        ...before,
        { t: 'char', c: '{' },
        ...(parts[0] as Token[]),
        { t: 'char', c: '}' },
        ...after,
      ];
      todo.push(literal);
      continue;
    }
    for (const part of parts.reverse()) todo.push([...before, ...part, ...after]);
    if (done.length + todo.length > MAX_ALTERNATIVES) {
      throw new GlobSyntaxError(
        `expands to more than ${String(MAX_ALTERNATIVES)} alternatives; use fewer {…} groups`,
      );
    }
  }
  return done;
}

function compileAlternative(tokens: readonly Token[]): Alternative {
  const segments: Token[][] = [[]];
  for (const token of tokens) {
    if (token.t === 'sep') segments.push([]);
    else (segments[segments.length - 1] as Token[]).push(token);
  }
  // A leading "/" anchors; one at the end means folders only.
  const leading = segments.length > 1 && segments[0]?.length === 0;
  if (leading) segments.shift();
  const foldersOnly = segments.length > 1 && segments[segments.length - 1]?.length === 0;
  if (foldersOnly) segments.pop();
  if (segments.length === 0 || segments.some((segment) => segment.length === 0)) {
    throw new GlobSyntaxError(
      segments.length <= 1 && segments[0]?.length === 0 ? 'is empty' : 'has an empty segment (//)',
    );
  }
  const anchored = leading || segments.length > 1;
  const names = segments
    .map((segment) => (isGlobstar(segment) ? '**' : segmentSource(segment)))
    // `**/**` means no more than `**`.
    .filter((name, index, all) => name !== '**' || all[index - 1] !== '**');
  const last = names.length - 1;
  const contents =
    names.length > 1 && names[last] === '**' ? regexOf(names.slice(0, last), anchored) : undefined;
  return { path: regexOf(names, anchored), contents, foldersOnly };
}

function isGlobstar(segment: readonly Token[]): boolean {
  return segment.length === 2 && segment.every((token) => token.t === 'star');
}

/** Joins segment sources; `**` stands for any number of whole segments. */
function regexOf(names: readonly string[], anchored: boolean): RegExp {
  let source = '';
  names.forEach((name, index) => {
    const first = index === 0;
    const last = index === names.length - 1;
    if (name !== '**') {
      // A `**` before it already ends with the "/" (or nothing, when it matched no segment).
      source += (first || names[index - 1] === '**' ? '' : '/') + name;
      return;
    }
    if (first && last) source += '.*';
    else if (first) source += '(?:.*/)?';
    else if (last) source += '/.*';
    else source += '(?:/.*)?/';
  });
  return new RegExp(`^${anchored ? '' : '(?:.*/)?'}${source}$`, 'u');
}

function segmentSource(segment: readonly Token[]): string {
  return segment
    .map((token) => {
      switch (token.t) {
        case 'star':
          return '[^/]*';
        case 'any':
          return '[^/]';
        case 'class':
          return token.source;
        case 'char':
          return token.c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
        default:
          // Brace tokens are gone after expansion.
          return '';
      }
    })
    .join('');
}
