/**
 * Entity tags. A single product or category is tagged with its row version (PostgreSQL's xmin,
 * which changes with every update, cascaded ones included); lists and searches with the catalog
 * version (an ETag belongs to its URL, so the query need not be in it).
 */
export const strongEtag = (version: string): string => `"${version}"`;

/** If-Match: `*`, or the row versions named by strong tags. Weak tags never match for a write. */
export type Precondition = { any: true } | { versions: string[] };

export function parseIfMatch(header: string | undefined): Precondition | undefined {
  if (header === undefined) return undefined;
  if (header.trim() === '*') return { any: true };
  const versions = header
    .split(',')
    .map((tag) => /^\s*"(\d{1,20})"\s*$/.exec(tag)?.[1])
    .filter((version): version is string => version !== undefined);
  return { versions };
}

/** If-None-Match on a read: weak comparison, `*` matches anything. */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.trim() === '*' || header.split(',').some((tag) => opaque(tag) === opaque(etag));
}

/** The row versions a write is conditional on; `*` only asks that the resource exists. */
export const versionsOf = (precondition?: Precondition): string[] | undefined =>
  precondition && 'versions' in precondition ? precondition.versions : undefined;

export const satisfies = (precondition: Precondition | undefined, version: string): boolean =>
  versionsOf(precondition)?.includes(version) ?? true;
