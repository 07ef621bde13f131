import { isMoney, toDecimalText } from './money';

const accept = (value: unknown) => isMoney(toDecimalText({ value }));

describe('money', () => {
  it.each(['0', '0.1', '0.01', '12.5', '12.50', '9999999999.99', 0, 12.5, 0.1, 9999999999.99, -0])(
    'should accept %p',
    (value) => expect(accept(value)).toBe(true),
  );

  it.each([
    '12.345',
    -1,
    '-1',
    1e20,
    1e-7,
    'abc',
    '',
    ' 1',
    '1.',
    '.5',
    '01',
    '1e3',
    '10000000000',
    10000000000,
    0.30000000000000004,
    NaN,
    Infinity,
    null,
    true,
    {},
  ])('should refuse %p', (value) => expect(accept(value)).toBe(false));

  it('should keep the exact text of a JSON number', () => {
    expect(toDecimalText({ value: 12.5 })).toBe('12.5');
    expect(toDecimalText({ value: 9999999999.99 })).toBe('9999999999.99');
  });
});
