// Whether bytes are one JSON text (RFC 8259), decided by scanning them once without building
// anything: the envelope embeds a JSON record value as it is, and JSON.parse would allocate the
// whole value only to be thrown away. Bytes from 0x80 up count as characters inside strings and
// are invalid outside them, as JSON.parse sees them after UTF-8 decoding.

// Byte values as plain constants: with isolatedModules a const enum is emitted as an object, whose
// property reads cost a third more in the byte loops than a constant does.
const TAB = 0x09;
const NEWLINE = 0x0a;
const RETURN = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const UPPER_E = 0x45;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const LOWER_E = 0x65;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** How far a string is walked byte by byte before the rest is searched with indexOf. */
const WALKED_BYTES = 32;
const ESCAPABLE = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL = Buffer.from('null');

export function isJson(bytes: Buffer): boolean {
  const scanner = new Scanner(bytes);
  return scanner.document();
}

class Scanner {
  private i = 0;
  /** The next backslash at or after a string's scan position, or the length when there is none. */
  private backslash = -1;

  constructor(private readonly b: Buffer) {}

  document(): boolean {
    this.skipSpace();
    if (!this.value()) return false;
    this.skipSpace();
    return this.i === this.b.length;
  }

  /** One value, containers included, iteratively: nesting depth costs no stack. */
  private value(): boolean {
    // Open containers, innermost last: true for an object, false for an array.
    const open: boolean[] = [];
    for (;;) {
      this.skipSpace();
      const c = this.b[this.i];
      if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        this.i++;
        this.skipSpace();
        const object = c === OPEN_BRACE;
        if (this.b[this.i] === (object ? CLOSE_BRACE : CLOSE_BRACKET)) {
          this.i++;
        } else {
          open.push(object);
          if (object && !this.memberName()) return false;
          continue;
        }
      } else if (!this.scalar()) {
        return false;
      }
      // After a value: close what ends here, or go on to the next member or element.
      for (;;) {
        if (open.length === 0) return true;
        this.skipSpace();
        const next = this.b[this.i++];
        const object = open[open.length - 1];
        if (next === COMMA) {
          if (object && !this.memberName()) return false;
          break;
        }
        if (next !== (object ? CLOSE_BRACE : CLOSE_BRACKET)) return false;
        open.pop();
      }
    }
  }

  /** `"name" :` before a member's value. */
  private memberName(): boolean {
    this.skipSpace();
    if (this.b[this.i] !== QUOTE || !this.string()) return false;
    this.skipSpace();
    return this.b[this.i++] === COLON;
  }

  private scalar(): boolean {
    const c = this.b[this.i];
    if (c === QUOTE) return this.string();
    if (c === MINUS || (c >= ZERO && c <= NINE)) return this.number();
    return this.literal(TRUE) || this.literal(FALSE) || this.literal(NULL);
  }

  private literal(word: Buffer): boolean {
    if (this.b.length - this.i < word.length) return false;
    for (let k = 0; k < word.length; k++) if (this.b[this.i + k] !== word[k]) return false;
    this.i += word.length;
    return true;
  }

  /**
   * A string, from its opening quote. Its first bytes are walked (member names and short values
   * end there); the rest is searched: the closing quote and the next backslash by Buffer.indexOf
   * (memchr), and only the span before them is checked for control bytes. Both positions are kept
   * until passed, so escapes cause no rescans.
   */
  private string(): boolean {
    const b = this.b;
    let i = this.i + 1;
    const walked = Math.min(i + WALKED_BYTES, b.length);
    while (i < walked) {
      const c = b[i];
      if (c === QUOTE) {
        this.i = i + 1;
        return true;
      }
      if (c < SPACE) return false;
      if (c === BACKSLASH) {
        i = this.escape(i);
        if (i < 0) return false;
      } else {
        i++;
      }
    }
    let quote = -1;
    for (;;) {
      if (quote < i) {
        quote = b.indexOf(QUOTE, i);
        if (quote < 0) return false;
      }
      if (this.backslash < i) {
        this.backslash = b.indexOf(BACKSLASH, i);
        if (this.backslash < 0) this.backslash = b.length;
      }
      const end = quote < this.backslash ? quote : this.backslash;
      if (hasControlByte(b, i, end)) return false;
      i = end;
      if (end === quote) break;
      i = this.escape(i);
      if (i < 0) return false;
    }
    this.i = quote + 1;
    return true;
  }

  /** The escape at `i` (a backslash): where the string goes on after it, or -1 if it is invalid. */
  private escape(i: number): number {
    const b = this.b;
    const e = b[i + 1];
    i += 2;
    if (e === 0x75) {
      for (let k = 0; k < 4; k++, i++) if (!isHex(b[i])) return -1;
      return i;
    }
    return ESCAPABLE.has(e) ? i : -1;
  }

  private number(): boolean {
    const b = this.b;
    let i = this.i;
    if (b[i] === MINUS) i++;
    if (b[i] === ZERO) i++;
    else if (isDigit(b[i])) while (isDigit(b[i])) i++;
    else return false;
    if (b[i] === DOT) {
      i++;
      if (!isDigit(b[i])) return false;
      while (isDigit(b[i])) i++;
    }
    if (b[i] === LOWER_E || b[i] === UPPER_E) {
      i++;
      if (b[i] === PLUS || b[i] === MINUS) i++;
      if (!isDigit(b[i])) return false;
      while (isDigit(b[i])) i++;
    }
    this.i = i;
    return true;
  }

  private skipSpace(): void {
    const b = this.b;
    let c = b[this.i];
    while (c === SPACE || c === NEWLINE || c === TAB || c === RETURN) c = b[++this.i];
  }
}

/** Spans at least this long are checked four bytes at a time. */
const WORD_SCAN_BYTES = 64;

/**
 * Whether a byte below 0x20 lies in b[from, to). Long spans are read as 32-bit words, each tested
 * for such a byte at once: (x - 0x20202020) & ~x & 0x80808080 is not 0 exactly when some byte of x
 * is below 0x20 (a borrow only reaches bytes above one that is). A third of the byte loop's time.
 */
function hasControlByte(b: Buffer, from: number, to: number): boolean {
  let i = from;
  if (to - i >= WORD_SCAN_BYTES) {
    for (; ((b.byteOffset + i) & 3) !== 0; i++) if (b[i] < SPACE) return true;
    const words = (to - i) >>> 2;
    const view = new Uint32Array(b.buffer, b.byteOffset + i, words);
    for (let k = 0; k < words; k++) {
      const x = view[k];
      if (((x - 0x20202020) & ~x & 0x80808080) !== 0) return true;
    }
    i += words << 2;
  }
  for (; i < to; i++) if (b[i] < SPACE) return true;
  return false;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= ZERO && c <= NINE;
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));
}
