/** A product's rating summary: how many reviews, the sum of their ratings, and how many gave each. */
export interface RatingTotals {
  count: bigint;
  sum: bigint;
  /** Reviews per rating, index 0 for rating 1. */
  distribution: [bigint, bigint, bigint, bigint, bigint];
}

export const NO_RATINGS: RatingTotals = { count: 0n, sum: 0n, distribution: [0n, 0n, 0n, 0n, 0n] };

/**
 * The mean of `count` ratings that add up to `sum`, as a decimal string with two fraction digits
 * rounded half up from the exact mean ("4.33"), or null for no ratings. Integer arithmetic only:
 * sum / count rounded half up to hundredths is floor((200 * sum + count) / (2 * count)).
 */
export function averageRating(sum: bigint, count: bigint): string | null {
  if (count <= 0n) return null;
  const hundredths = (200n * sum + count) / (2n * count);
  return `${hundredths / 100n}.${String(hundredths % 100n).padStart(2, '0')}`;
}
