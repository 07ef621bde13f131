import { isUtf8 } from 'node:buffer';

export const MAX_JSON_DEPTH = 32;

/**
 * Keys naming a member of Object.prototype (`__proto__`, `constructor`, `toString`...) or
 * `prototype`: dangerous to merge, and class-transformer skips them silently, so an unknown field
 * named `toString` would pass validation as no field at all.
 */
export const isPrototypeKey = (key: string): boolean =>
  key === 'prototype' || Object.hasOwn(Object.prototype, key);

/**
 * The first key, at any depth of a parsed body, that names a prototype member, and the top-level
 * field it is in. JSON.parse keeps `__proto__` as an own key, so every spelling of a key (escapes,
 * white space) is caught here. The depth is bounded by inspectJsonBody, which runs first.
 */
export function findPrototypeKey(body: unknown): { field: string; key: string } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  for (const [field, value] of Object.entries(body)) {
    const key = isPrototypeKey(field) ? field : prototypeKeyIn(value);
    if (key !== undefined) return { field, key };
  }
  return undefined;
}

function prototypeKeyIn(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const found = isPrototypeKey(key) ? key : prototypeKeyIn(child);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The value of a JSON string literal, or undefined when it is not valid JSON. */
function readString(literal: string): string | undefined {
  try {
    return JSON.parse(literal) as string;
  } catch {
    return undefined; // the body parser refuses it
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
 * (deeper nesting would exhaust the validator's stack), and no number that a double cannot hold
 * exactly (money and ids never pass through a float silently). Keys are checked on the parsed body
 * (findPrototypeKey); here they are only read to name the top-level field of a refusal.
 */
export function inspectJsonBody(body: Buffer): void {
  if (!isUtf8(body))
    throw new JsonBodyRefusal('entity.parse.failed', 'The body is not valid UTF-8.');
  const text = body.toString('utf8');
  let depth = 0;
  let topLevelObject = false;
  let keyNext = false; // the next string is a key of the top-level object
  let field: string | undefined; // the top-level key being read, to name it in a refusal
  const refuse = (message: string) => new JsonBodyRefusal('entity.refused', message, field);
  for (let index = 0; index < text.length; index++) {
    const character = text[index];
    if (character === '"') {
      let end = index + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (keyNext) field = readString(text.slice(index, end + 1)) ?? field;
      keyNext = false;
      index = end;
    } else if (character === '{' || character === '[') {
      if (++depth > MAX_JSON_DEPTH)
        throw refuse(`The body is nested deeper than ${MAX_JSON_DEPTH} levels.`);
      if (depth === 1) keyNext = topLevelObject = character === '{';
    } else if (character === '}' || character === ']') {
      depth--;
    } else if (character === ',' && depth === 1) {
      keyNext = topLevelObject;
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
