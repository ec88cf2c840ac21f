// Whether bytes are one JSON text (RFC 8259), decided by scanning them once without building
// anything: the envelope embeds a JSON record value as it is, and JSON.parse would allocate the
// whole value only to be thrown away. Bytes from 0x80 up count as characters inside strings and
// are invalid outside them, as JSON.parse sees them after UTF-8 decoding.

/* eslint-disable @typescript-eslint/no-unsafe-enum-comparison -- Byte names byte values, and bytes read from a Buffer are compared with them */
const enum Byte {
  Tab = 0x09,
  Newline = 0x0a,
  Return = 0x0d,
  Space = 0x20,
  Quote = 0x22,
  Plus = 0x2b,
  Comma = 0x2c,
  Minus = 0x2d,
  Dot = 0x2e,
  Zero = 0x30,
  Nine = 0x39,
  Colon = 0x3a,
  UpperE = 0x45,
  OpenBracket = 0x5b,
  Backslash = 0x5c,
  CloseBracket = 0x5d,
  LowerE = 0x65,
  OpenBrace = 0x7b,
  CloseBrace = 0x7d,
}

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
      if (c === Byte.OpenBrace || c === Byte.OpenBracket) {
        this.i++;
        this.skipSpace();
        const object = c === Byte.OpenBrace;
        if (this.b[this.i] === (object ? Byte.CloseBrace : Byte.CloseBracket)) {
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
        if (next === Byte.Comma) {
          if (object && !this.memberName()) return false;
          break;
        }
        if (next !== (object ? Byte.CloseBrace : Byte.CloseBracket)) return false;
        open.pop();
      }
    }
  }

  /** `"name" :` before a member's value. */
  private memberName(): boolean {
    this.skipSpace();
    if (this.b[this.i] !== Byte.Quote || !this.string()) return false;
    this.skipSpace();
    return this.b[this.i++] === Byte.Colon;
  }

  private scalar(): boolean {
    const c = this.b[this.i];
    if (c === Byte.Quote) return this.string();
    if (c === Byte.Minus || (c >= Byte.Zero && c <= Byte.Nine)) return this.number();
    return this.literal(TRUE) || this.literal(FALSE) || this.literal(NULL);
  }

  private literal(word: Buffer): boolean {
    if (this.b.length - this.i < word.length) return false;
    for (let k = 0; k < word.length; k++) if (this.b[this.i + k] !== word[k]) return false;
    this.i += word.length;
    return true;
  }

  private string(): boolean {
    const b = this.b;
    let i = this.i + 1;
    for (;;) {
      if (i >= b.length) return false;
      const c = b[i++];
      if (c === Byte.Quote) break;
      if (c < Byte.Space) return false;
      if (c === Byte.Backslash) {
        const e = b[i++];
        if (e === 0x75) {
          for (let k = 0; k < 4; k++, i++) if (!isHex(b[i])) return false;
        } else if (!ESCAPABLE.has(e)) {
          return false;
        }
      }
    }
    this.i = i;
    return true;
  }

  private number(): boolean {
    const b = this.b;
    let i = this.i;
    if (b[i] === Byte.Minus) i++;
    if (b[i] === Byte.Zero) i++;
    else if (isDigit(b[i])) while (isDigit(b[i])) i++;
    else return false;
    if (b[i] === Byte.Dot) {
      i++;
      if (!isDigit(b[i])) return false;
      while (isDigit(b[i])) i++;
    }
    if (b[i] === Byte.LowerE || b[i] === Byte.UpperE) {
      i++;
      if (b[i] === Byte.Plus || b[i] === Byte.Minus) i++;
      if (!isDigit(b[i])) return false;
      while (isDigit(b[i])) i++;
    }
    this.i = i;
    return true;
  }

  private skipSpace(): void {
    const b = this.b;
    let c = b[this.i];
    while (c === Byte.Space || c === Byte.Newline || c === Byte.Tab || c === Byte.Return) c = b[++this.i];
  }
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= Byte.Zero && c <= Byte.Nine;
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));
}
