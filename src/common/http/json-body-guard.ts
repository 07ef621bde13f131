import { isUtf8 } from 'node:buffer';

export const MAX_JSON_DEPTH = 32;

/**
 * Keys naming a member of Object.prototype (`__proto__`, `constructor`, `toString`...) or
 * `prototype`: dangerous to merge, and class-transformer skips them silently, so an unknown field
 * named `toString` would pass validation as no field at all.
 */
export const isPrototypeKey = (key: string): boolean =>
  key === 'prototype' || Object.hasOwn(Object.prototype, key);

/** The text of a JSON key as written between its quotes, with its escapes resolved. */
function unescapeKey(raw: string): string {
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw; // not valid JSON: the body parser refuses it
  }
}

/** Why a JSON body is refused before it is parsed, and the top-level field it happened in. */
export class JsonBodyRefusal extends Error {
  constructor(
    readonly type: 'entity.parse.failed' | 'entity.refused',
    message: string,
    readonly field = 'body',
  ) {
    super(message);
  }
}

/** Canonical form of a decimal text: sign, significant digits and exponent of the first digit. */
function canonicalDecimal(text: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) return text;
  const [, sign, whole, fraction = '', exponent = '0'] = match;
  const digits = (whole + fraction).replace(/^0+/, '');
  if (digits === '') return '0';
  const leadingZeros = (whole + fraction).length - digits.length;
  const point = whole.length + Number(exponent) - leadingZeros;
  return `${sign}${digits.replace(/0+$/, '')}e${point}`;
}

/** True when parsing `text` as a double keeps its exact decimal value. */
export const isExactNumber = (text: string): boolean =>
  canonicalDecimal(text) === canonicalDecimal(String(Number(text)));

/**
 * Checks a JSON body before it is parsed, in one pass: valid UTF-8, nested at most 32 levels
 * (deeper nesting would exhaust the validator's stack), no number that a double cannot hold
 * exactly (money and ids never pass through a float silently), and no prototype keys.
 */
export function inspectJsonBody(body: Buffer): void {
  if (!isUtf8(body))
    throw new JsonBodyRefusal('entity.parse.failed', 'The body is not valid UTF-8.');
  const text = body.toString('utf8');
  let depth = 0;
  let field: string | undefined; // the top-level key being read, to name it in a refusal
  const refuse = (message: string) => new JsonBodyRefusal('entity.refused', message, field);
  for (let index = 0; index < text.length; index++) {
    const character = text[index];
    if (character === '"') {
      let end = index + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (/^\s*:/.test(text.slice(end + 1, end + 40))) {
        const key = unescapeKey(text.slice(index + 1, end));
        if (depth === 1) field = key;
        if (isPrototypeKey(key)) throw refuse(`The field ${key} is not allowed.`);
      }
      index = end;
    } else if (character === '{' || character === '[') {
      if (++depth > MAX_JSON_DEPTH)
        throw refuse(`The body is nested deeper than ${MAX_JSON_DEPTH} levels.`);
    } else if (character === '}' || character === ']') {
      depth--;
    } else if (character === '-' || (character >= '0' && character <= '9')) {
      const number =
        /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(index, index + 400))?.[0] ?? character;
      if (!isExactNumber(number)) {
        throw refuse(
          `The number ${number.slice(0, 40)} cannot be read exactly; send it as a string.`,
        );
      }
      index += number.length - 1;
    }
  }
}
