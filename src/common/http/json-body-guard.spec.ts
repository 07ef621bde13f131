import {
  findPrototypeKey,
  inspectJsonBody,
  isExactNumber,
  JsonBodyRefusal,
  MAX_JSON_DEPTH,
} from './json-body-guard';

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

  it('should refuse deep nesting, inexact numbers and invalid UTF-8', () => {
    expect(inspect(`${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`)).toThrow(
      /nested deeper/,
    );
    expect(inspect('{"price":1.0000000000000000000001}')).toThrow(/cannot be read exactly/);
    expect(() => inspectJsonBody(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]))).toThrow(
      /UTF-8/,
    );
  });

  it.each([
    ['{"price":1.0000000000000000000001}', 'price'],
    [`{"title":"x,\\"price\\":1","price"${' '.repeat(60)}:1.0000000000000000000001}`, 'price'],
    ['{"a":{"b":1},"pr\\u0069ce":[1.0000000000000000000001]}', 'price'],
    [`{"name":"x","list":${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}}`, 'list'],
  ])('should name the top-level field of a refusal in %s', (text, field) => {
    let refusal: unknown;
    try {
      inspectJsonBody(Buffer.from(text));
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(JsonBodyRefusal);
    expect(refusal).toMatchObject({ field });
  });
});

describe('findPrototypeKey', () => {
  const find = (text: string) => findPrototypeKey(JSON.parse(text));

  it('should find keys named after prototype members at any depth, however they are spelled', () => {
    expect(find('{"name":"x","constructor":{"a":1}}')).toEqual({
      field: 'constructor',
      key: 'constructor',
    });
    // JSON.parse keeps __proto__ as an own key rather than setting the prototype.
    expect(find('{"name":"x", "__proto__" : 1}')).toEqual({ field: '__proto__', key: '__proto__' });
    expect(find(`{"toString"${' '.repeat(1000)}:""}`)).toEqual({
      field: 'toString',
      key: 'toString',
    });
    expect(find('{"\\u0074o\\u0053tring":""}')).toEqual({ field: 'toString', key: 'toString' });
    expect(find('{"a":1,"lines":[{"sku":"x"},{"hasOwnProperty":1}]}')).toEqual({
      field: 'lines',
      key: 'hasOwnProperty',
    });
    expect(find('{"a":{"b":{"prototype":1}}}')).toEqual({ field: 'a', key: 'prototype' });
    expect(find('[{"valueOf":1}]')).toEqual({ field: '0', key: 'valueOf' });
  });

  it('should let values that look like keys, and bodies that are no objects, pass', () => {
    expect(
      find('{"name":"toString","tags":["__proto__"],"a":{"b":"constructor"}}'),
    ).toBeUndefined();
    expect(find('{"toStrings":1,"Constructor":2}')).toBeUndefined();
    for (const text of ['null', '"__proto__"', '1', '[]', '{}']) expect(find(text)).toBeUndefined();
    expect(findPrototypeKey(undefined)).toBeUndefined();
  });
});
