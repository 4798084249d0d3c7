const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the five XML entities and numeric character references in element text. */
export function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? whole;
  });
}

/**
 * The raw inner text of every `<tag>…</tag>` in `xml`, in document order. Enough for the flat
 * request documents S3 clients send (CompleteMultipartUpload, Delete); not a general parser.
 */
export function elementsOf(xml: string, tag: string): string[] {
  const pattern = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g');
  return [...xml.matchAll(pattern)].map((match) => match[1] ?? '');
}

/** The decoded text of the first `<tag>` in `xml`, or undefined. */
export function firstText(xml: string, tag: string): string | undefined {
  const [first] = elementsOf(xml, tag);
  return first === undefined ? undefined : decodeXmlText(first);
}
