import fc from 'fast-check';
import { averageRating } from './rating';

const averageOf = (ratings: number[]) =>
  averageRating(BigInt(ratings.reduce((sum, rating) => sum + rating, 0)), BigInt(ratings.length));

describe('averageRating', () => {
  it.each([
    [[4, 4, 5], '4.33'],
    [[1, 2], '1.50'],
    [[5], '5.00'],
    [[1], '1.00'],
    [[1, 1, 2], '1.33'], // 1.333...
    [[1, 2, 2], '1.67'], // 1.666...: rounds up
    [[4, 5, 5], '4.67'],
    [[5, 5, 5, 5, 4, 4, 4, 1], '4.13'], // 33 / 8 = 4.125 exactly: half rounds up
    [[1, 1, 1, 1, 1, 1, 1, 2], '1.13'], // 9 / 8 = 1.125
    [[3, 4], '3.50'],
  ])('should answer the mean of %p rounded half up as %p', (ratings, expected) => {
    expect(averageOf(ratings)).toBe(expected);
  });

  it('should round means of thirds and halves of a hundredth exactly', () => {
    expect(averageRating(2n, 3n)).toBe('0.67');
    expect(averageRating(1n, 3n)).toBe('0.33');
    expect(averageRating(201n, 200n)).toBe('1.01'); // 1.005, which a double holds as 1.00499...
    expect(averageRating(200n * 4n + 1n, 200n)).toBe('4.01'); // 4.005
    expect(averageRating(1999n, 1000n)).toBe('2.00'); // 1.999
  });

  it('should answer null without ratings', () => {
    expect(averageRating(0n, 0n)).toBeNull();
    expect(averageOf([])).toBeNull();
  });

  it('should stay exact for sums no double holds', () => {
    const count = 3n * 10n ** 18n;
    expect(averageRating(count * 4n + 1n, count)).toBe('4.00');
    expect(averageRating(count * 5n, count)).toBe('5.00');
  });

  it('should agree with rounding the exact quotient by its remainder', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 500 }),
        (ratings) => {
          const sum = BigInt(ratings.reduce((total, rating) => total + rating, 0));
          const count = BigInt(ratings.length);
          const quotient = (sum * 100n) / count;
          const remainder = (sum * 100n) % count;
          const hundredths = 2n * remainder >= count ? quotient + 1n : quotient;
          expect(averageRating(sum, count)).toBe(
            `${hundredths / 100n}.${String(hundredths % 100n).padStart(2, '0')}`,
          );
        },
      ),
    );
  });
});
