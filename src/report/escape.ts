/**
 * Makes text from outside (Dropbox file names, failure reasons) inert in GitHub Markdown: it
 * shows as the same characters and never formats, links, mentions, embeds HTML or leaves the
 * table cell it is in.
 *
 * GitHub renders in two passes, so one technique is not enough:
 * - cmark-gfm parses Markdown: every ASCII punctuation character becomes a numeric character
 *   reference, so no emphasis, link, image, heading, list, code span, HTML tag, entity or table
 *   pipe can start (a reference is never syntax; table cells are split on literal `|` only).
 * - After parsing, GitHub links @mentions, #123 and GH-123 references, :emoji: codes, and
 *   autolinks `www.`, `http://`, e-mail addresses on the decoded text, where references no longer
 *   help. There a zero-width joiner (U+200D) goes right after the character that would start one,
 *   so the pattern no longer matches while the text reads the same.
 * Control and invisible formatting characters (newlines, bidi overrides that could make a name
 * read as something else) are replaced by visible stand-ins first.
 */

const ZWJ = '\u200D';
/** Shown in place of a line break, so a name cannot start a new Markdown block. */
const NEWLINE_SIGN = '\u2424';
const REPLACEMENT = '\uFFFD';

/**
 * C0 and C1 controls, DEL, zero-width and bidi formatting characters, the BOM: nothing a reader
 * should have to see through. The zero-width joiner and variation selectors stay: emoji need them
 * and they cannot start anything.
 */
const INVISIBLE =
  // eslint-disable-next-line no-control-regex, no-misleading-character-class -- these are the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B\u200C\u200E\u200F\u202A-\u202E\u2060-\u206F\u3164\uFEFF\uFFA0\uFFF9-\uFFFB]/g;
const LINE_BREAK = /\r\n|[\n\r\u2028\u2029]/g;
const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/g;

/** Escapes `text` for GitHub Markdown: inline text, a table cell or a list item. */
export function escapeMarkdown(text: string): string {
  const visible = text
    .replace(LINE_BREAK, NEWLINE_SIGN)
    .replace(/\t/g, ' ')
    .replace(INVISIBLE, REPLACEMENT);
  return (
    breakPostProcessing(visible)
      .replace(ASCII_PUNCTUATION, (character) => `&#${String(character.charCodeAt(0))};`)
      // Leading spaces would indent a code block, trailing ones break the line.
      .replace(/^ +| +$/g, (spaces) => '&#32;'.repeat(spaces.length))
  );
}

/**
 * Puts a zero-width joiner where GitHub's after-parse filters would start a mention, a reference,
 * an emoji or an autolink. Runs before the references are made (it only adds U+200D).
 */
function breakPostProcessing(text: string): string {
  return (
    text
      // @user, @org/team, e-mail addresses (the domain must start right after the @).
      .replace(/@/g, `@${ZWJ}`)
      // #123, owner/repo#123 and GH-123 references.
      .replace(/#/g, `#${ZWJ}`)
      .replace(/\b(gh-)(?=\d)/gi, `$1${ZWJ}`)
      // :emoji: codes and scheme autolinks (http://, https://, ftp://, mailto:, xmpp:).
      .replace(/:/g, `:${ZWJ}`)
      // www. autolinks (any case).
      .replace(/\b(www)\./gi, `$1${ZWJ}.`)
      // A commit SHA (7 to 40 hex digits) becomes a link to that commit when it exists: no run of
      // more than 6 is left (the joiner is a word boundary too).
      .replace(/\b[0-9a-f]{7,}\b/gi, (hex) => hex.replace(/[0-9a-f]{6}(?=[0-9a-f])/gi, `$&${ZWJ}`))
  );
}

/** A Markdown table cell: escaped text, with an empty cell shown as a dash. */
export function tableCell(text: string): string {
  return text === '' ? '–' : escapeMarkdown(text);
}

/**
 * Control, line-separator and bidi characters a terminal would act on: colour and cursor escapes,
 * a carriage return that overwrites the line, a line feed that forges the next one.
 */
const TERMINAL_UNSAFE =
  // eslint-disable-next-line no-control-regex -- these are the point
  /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;
const TERMINAL_NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Text from outside (file names, failure reasons) for a terminal line: every character a terminal
 * would act on is shown as an escape (`\n`, `\x1b`, `\u202e`), so a name reads as what it is.
 */
export function printable(text: string): string {
  return text.replace(TERMINAL_UNSAFE, (character) => {
    const named = TERMINAL_NAMED[character];
    if (named !== undefined) return named;
    const code = character.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
