import { inspectJsonBody, isExactNumber, MAX_JSON_DEPTH } from './json-body-guard';

const inspect = (text: string) => () => inspectJsonBody(Buffer.from(text));

describe('inspectJsonBody', () => {
  it.each([
    '12.5',
    '12.50',
    '0.1',
    '9999999999.99',
    '1e20',
    '1E+2',
    '-0',
    '0',
    '42',
    '9007199254740991',
    '5e-324',
  ])('should take %s as an exact number', (text) => expect(isExactNumber(text)).toBe(true));

  it.each([
    '1.0000000000000000000001',
    '0.1000000000000000055511151231257827',
    '9007199254740993',
    '1e400',
    '12.340000000000000001',
  ])('should refuse %s, which a double cannot hold exactly', (text) =>
    expect(isExactNumber(text)).toBe(false),
  );

  it('should accept ordinary bodies, with numbers, strings that look like numbers or keys, and escapes', () => {
    expect(
      inspect(
        '{"title":"a \\"quoted\\" 1.00000000000000000001","price":12.5,"tags":["__proto__"]}',
      ),
    ).not.toThrow();
    expect(inspect(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`)).not.toThrow();
  });

  it('should refuse deep nesting, prototype keys, inexact numbers and invalid UTF-8', () => {
    expect(inspect(`${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`)).toThrow(
      /nested deeper/,
    );
    expect(inspect('{"name":"x","constructor":{"a":1}}')).toThrow(/constructor is not allowed/);
    expect(inspect('{"name":"x", "__proto__" : 1}')).toThrow(/__proto__/);
    expect(inspect('{"toString":""}')).toThrow(/toString is not allowed/);
    expect(inspect('{"name":"x","valueOf":1}')).toThrow(/valueOf is not allowed/);
    expect(inspect('{"to\\u0053tring":""}')).toThrow(/toString is not allowed/);
    expect(inspect('{"name":"toString"}')).not.toThrow();
    expect(inspect('{"price":1.0000000000000000000001}')).toThrow(/cannot be read exactly/);
    expect(() => inspectJsonBody(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]))).toThrow(
      /UTF-8/,
    );
  });
});
