/** A zero-width space: breaks mentions, issue references and autolinks without showing. */
const ZWSP = '\u200B';

const HTML: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Makes any text (a file name, a reason) inert in GitHub Markdown, in text and table cells: no
 * formatting, no HTML, no links, no @mentions or #references. HTML-special characters become
 * entities, other ASCII punctuation is backslash-escaped, and a zero-width space follows `@` and
 * `#` and breaks `://` and `www.`, which GitHub links and mentions after Markdown is parsed.
 * Line breaks become spaces so a name cannot end a table row.
 */
export function escapeMarkdown(text: string): string {
  let out = '';
  for (const char of text.replace(/[\r\n\t]+/g, ' ')) {
    const entity = HTML[char];
    if (entity !== undefined) out += entity;
    else if (char === '@' || char === '#') out += `\\${char}${ZWSP}`;
    else if (/[!$%()*+,\-./:;=?[\\\]^_`{|}~]/.test(char)) out += `\\${char}`;
    else out += char;
  }
  return out.replace(/:(\\\/)/g, `:${ZWSP}$1`).replace(/(w)(w)(w)\\\./gi, `$1$2$3${ZWSP}\\.`);
}
