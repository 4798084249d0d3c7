import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeMarkdown, printable } from '../../src/report/escape.ts';
import { renderGfm } from '../support/tools.ts';

/** File names a hostile or unlucky Dropbox user could have, and what each would do unescaped. */
const HOSTILE: readonly string[] = [
  '**bold** _em_ ~~gone~~ `code`',
  '[click](https://evil.example/x) ![img](https://evil.example/i.png)',
  '<img src=x onerror=alert(1)> <script>alert(1)</script> <!-- comment',
  '<https://evil.example> <mailto:a@b.c>',
  'cc @octocat and @github/security-team',
  'fixes #123, GH-42 and octo/repo#7',
  'see www.evil.example and https://evil.example/path and ftp://x.example',
  'mail me: someone@example.com',
  'a | b | c',
  'back`ticks``` and \\| escaped pipe',
  'line one\nline two\r\n# heading\n- list\n> quote',
  '| --- | --- |\n| forged | row |',
  '&amp; &#64; &lt;b&gt; entities',
  'tab\there\u0000nul\u0007bell\u001b[31mansi\u007f',
  'bidi \u202Egnp.exe\u202C and \u2066isolate\u2069 \u200Bzero\uFEFFwidth',
  'emoji :smile: :+1: and 👨\u200D👩\u200D👧 family',
  'commit deadbeefcafe1234 and 0123456789abcdef0123456789abcdef01234567 and 1234567',
  '1. ordered\n+ plus\n* star\n=== setext',
  '$x^2$ math and [^1] footnote and \\ backslash',
  '    indented code',
];

/** What the reader should see: the name with line breaks and invisible characters made visible. */
function visible(text: string): string {
  return text
    .replace(/\r\n|[\n\r\u2028\u2029]/g, '\u2424')
    .replace(/\t/g, ' ')
    .replace(
      // eslint-disable-next-line no-control-regex
      /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B\u200C\u200E\u200F\u202A-\u202E\u2060-\u206F\uFEFF]/g,
      '\uFFFD',
    );
}

function decodeHtml(html: string): string {
  const named: Record<string, string> = { lt: '<', gt: '>', quot: '"', amp: '&' };
  return html.replace(/&(lt|gt|quot|amp|#\d+);/g, (_, entity: string) =>
    entity.startsWith('#') ? String.fromCodePoint(Number(entity.slice(1))) : (named[entity] ?? ''),
  );
}

describe('escapeMarkdown', () => {
  it('leaves no Markdown punctuation, line break or control character in the text', () => {
    for (const name of HOSTILE) {
      const escaped = escapeMarkdown(name);
      const withoutReferences = escaped.replace(/&#\d+;/g, '');
      assert.doesNotMatch(withoutReferences, /[!-/:-@[-`{-~]/, name);
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(escaped, /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/, name);
    }
  });

  it('breaks what GitHub links after parsing: mentions, references, emoji, autolinks, SHAs', () => {
    for (const name of HOSTILE) {
      const text = decodeHtml(escapeMarkdown(name));
      assert.doesNotMatch(text, /(^|[^\w])@[a-z0-9]/i, `mention in ${name}`);
      assert.doesNotMatch(text, /#\d/, `issue reference in ${name}`);
      assert.doesNotMatch(text, /\bgh-\d/i, `GH- reference in ${name}`);
      assert.doesNotMatch(text, /\bwww\./i, `www autolink in ${name}`);
      assert.doesNotMatch(text, /[a-z]+:\/\//i, `scheme autolink in ${name}`);
      assert.doesNotMatch(text, /[a-z]+@[a-z0-9]/i, `e-mail autolink in ${name}`);
      assert.doesNotMatch(text, /:[a-z0-9_+-]+:/i, `emoji code in ${name}`);
      assert.doesNotMatch(text, /\b[0-9a-f]{7,40}\b/i, `commit SHA in ${name}`);
    }
  });

  it('reads the same once the zero-width joiners are taken out', () => {
    for (const name of HOSTILE) {
      const text = decodeHtml(escapeMarkdown(name)).replace(/\u200D/g, '');
      assert.equal(text, visible(name).replace(/\u200D/g, ''));
    }
  });

  it('keeps emoji sequences whole', () => {
    assert.equal(escapeMarkdown('👨\u200D👩\u200D👧 ❤\uFE0F'), '👨\u200D👩\u200D👧 ❤\uFE0F');
  });

  it('is inert in a GFM table cell and in a paragraph (rendered by cmark-gfm)', () => {
    for (const name of HOSTILE) {
      const cell = escapeMarkdown(name);
      const html = renderGfm(
        `| Path | Reason |\n| --- | --- |\n| ${cell} | ${cell} |\n\n${cell}\n`,
      );
      assert.equal(html.match(/<td>/g)?.length, 2, `cells for ${name}:\n${html}`);
      assert.equal(html.match(/<tr>/g)?.length, 2, `rows for ${name}:\n${html}`);
      assert.doesNotMatch(
        html,
        /<(a|img|em|strong|del|code|pre|h\d|li|ul|ol|blockquote|script|hr|sup|section)\b/,
        `${name}:\n${html}`,
      );
      const cells = [...html.matchAll(/<td>(.*?)<\/td>/gs)].map((match) =>
        decodeHtml(match[1] ?? ''),
      );
      assert.deepEqual(cells, [decodeHtml(cell), decodeHtml(cell)]);
      const paragraph = /<p>(.*?)<\/p>/s.exec(html)?.[1];
      assert.equal(decodeHtml(paragraph ?? ''), decodeHtml(cell), name);
    }
  });
});

describe('printable', () => {
  it('shows what a terminal would act on as escapes, and leaves the rest', () => {
    assert.equal(
      printable('red\u001b[31mX\rforged\nline\ttab\u0007\u007f\u202Egpj.exe'),
      'red\\x1b[31mX\\rforged\\nline\\ttab\\x07\\x7f\\u202egpj.exe',
    );
    assert.equal(printable('café 👨\u200D👩\u200D👧 @x #1'), 'café 👨\u200D👩\u200D👧 @x #1');
  });
});
