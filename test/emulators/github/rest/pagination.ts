/** GitHub's page-number pagination: `per_page` (default 30, at most 100), `page`, and `Link`. */

const DEFAULT_PER_PAGE = 30;
const MAX_PER_PAGE = 100;

export interface Page<T> {
  readonly items: T[];
  /** The `Link` header, absent when everything fits on one page. */
  readonly link: string | undefined;
}

function positiveInt(value: string | null, fallback: number): number {
  if (value === null) return fallback;
  const n = Number.parseInt(value, 10);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/** Slices `items` for the request whose URL is `self` and builds the links GitHub would send. */
export function paginate<T>(items: readonly T[], self: URL): Page<T> {
  const perPage = Math.min(
    positiveInt(self.searchParams.get('per_page'), DEFAULT_PER_PAGE),
    MAX_PER_PAGE,
  );
  const page = positiveInt(self.searchParams.get('page'), 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const at = (n: number): string => {
    const url = new URL(self);
    url.searchParams.set('page', String(n));
    return `<${url.toString()}>`;
  };
  const rels: string[] = [];
  if (page > 1) rels.push(`${at(Math.min(page - 1, last))}; rel="prev"`);
  if (page < last) rels.push(`${at(page + 1)}; rel="next"`, `${at(last)}; rel="last"`);
  if (page > 1) rels.push(`${at(1)}; rel="first"`);
  return { items: slice, link: rels.length === 0 ? undefined : rels.join(', ') };
}
