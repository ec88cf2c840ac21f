import { isUtf8 } from 'node:buffer';
import sjson from 'secure-json-parse';
import { ApiError } from './api-error';

/**
 * A request body as a JSON document the gateway accepts: valid UTF-8, not empty, valid JSON without
 * prototype-poisoning keys (secure-json-parse), no deeper than `maxDepth`, and no integer a double
 * would round. Anything else is an ApiError naming what is wrong and where.
 */
export function parseJsonBody(bytes: Buffer, maxDepth: number): unknown {
  if (!isUtf8(bytes)) throw new ApiError('INVALID_JSON', 'The request body is not valid UTF-8.');
  const text = bytes.toString('utf8');
  if (text.trim() === '') throw new ApiError('INVALID_JSON', 'The request body is empty; send a JSON document.');
  let value: unknown;
  try {
    value = sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    // secure-json-parse throws a plain SyntaxError for both; a text JSON.parse accepts was refused for its keys.
    if (isJson(text))
      throw new ApiError(
        'FORBIDDEN_JSON_KEY',
        'The JSON has a "__proto__" or "constructor.prototype" key, which the gateway refuses.',
      );
    throw new ApiError('INVALID_JSON', `The request body is not valid JSON: ${(error as Error).message}.`);
  }
  inspect(value, text, maxDepth);
  return value;
}

/** Whether the text is JSON (after a byte order mark, which secure-json-parse skips too). */
function isJson(text: string): boolean {
  try {
    JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    return true;
  } catch {
    return false;
  }
}

/** Where a value sits in the document; the path string is built only for an error message. */
interface Place {
  parent?: Place;
  key: string | number;
}

function pathOf(place: Place | undefined): string {
  const keys: Array<string | number> = [];
  for (let p = place; p; p = p.parent) keys.unshift(p.key);
  return keys.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? key : `.${key}`)).join('') || 'the top';
}

/**
 * One iterative pass (hostile nesting cannot overflow the stack) that enforces the depth limit and
 * refuses numbers JSON.parse could not keep: overflows (which would be written as null) and
 * integers beyond 2^53 that were rounded (which would be written as another number).
 */
function inspect(root: unknown, text: string, maxDepth: number): void {
  const stack: Array<[unknown, number, Place | undefined]> = [[root, 1, undefined]];
  const unsafe: Array<[number, Place | undefined]> = [];
  while (stack.length > 0) {
    const [value, depth, place] = stack.pop()!;
    if (typeof value === 'number') {
      if (!Number.isFinite(value))
        throw new ApiError('INVALID_JSON', `The JSON has a number out of range at ${pathOf(place)}.`);
      if (!Number.isSafeInteger(value) && Number.isInteger(value)) unsafe.push([value, place]);
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > maxDepth) throw new ApiError('JSON_TOO_DEEP', `The JSON nests deeper than ${maxDepth} levels.`);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++)
        if (typeof value[i] === 'object' || typeof value[i] === 'number')
          stack.push([value[i], depth + 1, { parent: place, key: i }]);
    } else {
      for (const key in value) {
        const child = (value as Record<string, unknown>)[key];
        if (typeof child === 'object' || typeof child === 'number')
          stack.push([child, depth + 1, { parent: place, key }]);
      }
    }
  }
  if (unsafe.length === 0) return;
  const rounded = roundedIntegers(text);
  const hit = unsafe.find(([value]) => rounded.has(value));
  if (hit) {
    const field = pathOf(hit[1]);
    throw new ApiError(
      'INVALID_JSON',
      `The JSON has an integer at ${field} beyond 2^53 that a double would round; send it as a string.`,
      [{ field, message: 'integers beyond 9007199254740991 cannot be kept exactly; send them as strings' }],
    );
  }
}

/** Integer literals (outside strings) a double rounds. Not a reviver with context.source: 3x per body (measured). */
function roundedIntegers(text: string): Set<number> {
  const rounded = new Set<number>();
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      continue;
    }
    if (c !== '-' && (c < '0' || c > '9')) continue;
    let end = i + 1;
    while (end < text.length && /[0-9.eE+-]/.test(text[end])) end++;
    const literal = text.slice(i, end);
    if (/^-?\d+$/.test(literal) && BigInt(literal) !== BigInt(Number(literal))) rounded.add(Number(literal));
    i = end - 1;
  }
  return rounded;
}
