import request from 'supertest';
import type { Response } from 'supertest';
import { App } from 'supertest/types';
import { createTestApp, TestApp } from '../utils/test-app';

/**
 * The adversarial suites fire thousands of requests from one address: no request budget, whatever
 * the default of RATE_LIMIT_PER_MINUTE.
 */
export const ADVERSARIAL_ENV = { RATE_LIMIT_PER_MINUTE: '0' };

export const createAdversarialApp = (
  env: Record<string, string> = {},
  extra: Parameters<typeof createTestApp>[1] = {},
): Promise<TestApp> => createTestApp({ ...ADVERSARIAL_ENV, ...env }, extra);

/** Bounded property runs: every property sends real requests. */
export const RUNS = { numRuns: 40 } as const;

/** What an error body must never carry, whatever the client sent. */
const LEAKS: Array<[string, RegExp]> = [
  ['a stack frame', /\bat \S+ \(|\bat \S+:\d+:\d+|\n\s+at /],
  ['a node_modules path', /node_modules/],
  ['a TypeScript source location', /\.ts:/],
  ['a JavaScript source location', /\.js:\d/],
  ['SQL text', /\b(SELECT|INSERT INTO|UPDATE|DELETE FROM|WHERE|RETURNING|ILIKE)\b/],
  [
    'a PostgreSQL message',
    /relation \\?"|syntax error|violates|duplicate key|invalid input syntax|column \\?"|constraint \\?"/i,
  ],
  ['a driver message', /QueryFailedError|\bpg\b|pg-protocol|ECONNREFUSED|typeorm|RangeError/i],
];

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  errors?: Array<{ field: string; message: string }>;
}

/** A short description of a request, for failure messages that reproduce it. */
export const describeRequest = (method: string, path: string, body?: unknown): string => {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  return `${method} ${path.length > 300 ? `${path.slice(0, 300)}...` : path}${
    text ? ` ${text.length > 300 ? `${text.slice(0, 300)}... (${text.length} chars)` : text}` : ''
  }`;
};

const fail = (what: string, response: Response, reason: string): never => {
  throw new Error(
    `${what}\n  -> ${response.status} ${String(response.headers['content-type'])} ${response.text?.slice(0, 500)}\n  ${reason}`,
  );
};

/**
 * The parts of a problem that the service writes itself: the instance, field names and a quoted
 * value in the detail (`A sibling category is already named "..."`) echo the client.
 */
function ownText(problem: ProblemBody): string {
  const own: Record<string, unknown> = Object.fromEntries(
    Object.entries(problem).filter(([key]) => key !== 'instance'),
  );
  if (typeof problem.detail === 'string') own.detail = problem.detail.replace(/".*"/s, '"<value>"');
  if (Array.isArray(problem.errors))
    own.errors = problem.errors.map((error) =>
      typeof error?.message === 'string' && typeof error.field === 'string' && error.field !== ''
        ? error.message.split(error.field).join('<field>')
        : error,
    );
  return JSON.stringify(own);
}

/**
 * The contract's promise for any request: a 2xx, 3xx or 4xx, never a 5xx; every error a problem
 * document without stack traces, SQL or driver messages. Answers the response for further checks.
 */
export function expectSafe(response: Response, what: string): Response {
  const { status } = response;
  if (status >= 500 || status < 200) fail(what, response, `status ${status} is not 2xx-4xx`);
  if (status >= 400) expectProblem(response, what);
  else if (status === 200 || status === 201) {
    if (!/^application\/json/.test(String(response.headers['content-type'])))
      fail(what, response, 'a success must be application/json');
  }
  if (status === 201 && !response.headers.location) fail(what, response, 'a 201 needs a Location');
  if (status === 204 && response.text) fail(what, response, 'a 204 must have no body');
  return response;
}

/** A problem+json body with type, title, status, detail and instance, leaking nothing. */
export function expectProblem(response: Response, what: string): ProblemBody {
  if (!/^application\/problem\+json/.test(String(response.headers['content-type'])))
    fail(what, response, 'an error must be application/problem+json');
  const problem = response.body as ProblemBody;
  for (const key of ['type', 'title', 'detail', 'instance'] as const) {
    if (typeof problem?.[key] !== 'string' || problem[key] === '')
      fail(what, response, `the problem lacks ${key}`);
  }
  if (problem.status !== response.status) fail(what, response, 'problem.status != HTTP status');
  if (problem.errors !== undefined && !Array.isArray(problem.errors))
    fail(what, response, 'problem.errors must be an array');
  const text = ownText(problem);
  for (const [name, pattern] of LEAKS) {
    if (pattern.test(text)) fail(what, response, `the problem leaks ${name} (${String(pattern)})`);
  }
  return problem;
}

/** expectSafe, then the status must be one of `allowed`. */
export function expectStatus(response: Response, allowed: number[], what: string): Response {
  expectSafe(response, what);
  if (!allowed.includes(response.status))
    fail(what, response, `status ${response.status} is not one of ${allowed.join(', ')}`);
  return response;
}

/** The field names of a 422's errors. */
export const errorFields = (response: Response): string[] =>
  ((response.body as ProblemBody).errors ?? []).map((error) => error.field);

/** Sends `body` as it is, a JSON text built by hand, with Content-Type application/json. */
export function sendRaw(
  http: App,
  method: 'post' | 'patch',
  path: string,
  body: string,
): Promise<Response> {
  return request(http)[method](path).set('Content-Type', 'application/json').send(body);
}

/** A JSON object text from keys and raw JSON value texts, in order. */
export const rawObject = (fields: Array<[string, string]>): string =>
  `{${fields.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`;

// --- the contract's text rules, as an oracle ---------------------------------------------------

export const codePoints = (text: string): number => [...text].length;
const CONTROL = /\p{Cc}/u;
const CONTROL_BUT_LINE_BREAKS = /[^\P{Cc}\t\n\r]/u;

/** What the contract makes of a text field: the stored value (trimmed, NFC) when valid, else undefined. */
export function expectedText(
  value: unknown,
  min: number,
  max: number,
  { allowLineBreaks = false } = {},
): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim().normalize('NFC');
  const control = allowLineBreaks ? CONTROL_BUT_LINE_BREAKS : CONTROL;
  if (control.test(trimmed)) return undefined;
  const length = codePoints(trimmed);
  return length >= min && length <= max ? trimmed : undefined;
}

export function expectedSku(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const sku = value.trim().toUpperCase();
  return /^[A-Z0-9_-]{1,100}$/.test(sku) ? sku : undefined;
}

/**
 * The exact value of a JSON number text or a decimal string as a money string with two fraction
 * digits, or undefined when it is not 0..9999999999.99 with at most two fraction digits.
 */
export function exactMoney(text: string): string | undefined {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) return undefined;
  const [, sign, whole, fraction = '', exponentText = '0'] = match;
  const exponent = Number(exponentText);
  if (Math.abs(exponent) > 400) return undefined;
  // digits * 10^(exponent - fraction.length), as an exact decimal
  let digits = (whole + fraction).replace(/^0+(?=\d)/, '');
  let scale = fraction.length - exponent; // number of fraction digits
  while (scale > 0 && digits.endsWith('0') && digits.length > 1) {
    digits = digits.slice(0, -1);
    scale--;
  }
  if (/^0+$/.test(digits)) return '0.00';
  if (sign === '-' || scale > 2) return undefined;
  const cents = BigInt(digits) * 10n ** BigInt(2 - scale);
  if (cents > 999999999999n) return undefined;
  const padded = cents.toString().padStart(3, '0');
  return `${padded.slice(0, -2)}.${padded.slice(-2)}`;
}

export const MONEY_STRING = /^(0|[1-9]\d{0,9})(\.\d{1,2})?$/;

/** A path id the contract accepts: a positive integer within PostgreSQL's bigint. */
export const isPathId = (text: string): boolean =>
  /^[1-9]\d{0,18}$/.test(text) && BigInt(text) <= 9223372036854775807n;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
