/**
 * Assembling JSON values from stream-json tokens (packed keys, strings and numbers), one value at a
 * time: only the row being built is ever held, never the document.
 */
import type { Token } from 'stream-json/core/parser.js';

/**
 * A JSON number as JavaScript sees it; integers beyond 2^53 stay strings so ids keep every digit.
 */
export function jsonNumber(text: string): number | string {
  const n = Number(text);
  // Cheap checks first: only an unsafe whole number needs the look at the text.
  if (Number.isSafeInteger(n) || !Number.isInteger(n) || !/^-?\d+$/.test(text)) return n;
  return text;
}

/** Sets a property without letting "__proto__" replace the prototype. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

type Container = Record<string, unknown> | unknown[];

export class ValueBuilder {
  private readonly containers: Container[] = [];
  private readonly keys: (string | undefined)[] = [];
  private key: string | undefined;
  value: unknown = undefined;

  /** Feeds one token; returns true when the value is complete (then read `value`). */
  push(token: Token): boolean {
    switch (token.name) {
      case 'startObject':
        this.open({});
        return false;
      case 'startArray':
        this.open([]);
        return false;
      case 'endObject':
      case 'endArray': {
        const done = this.containers.pop()!;
        this.key = this.keys.pop();
        return this.add(done);
      }
      case 'keyValue':
        this.key = token.value;
        return false;
      case 'stringValue':
        return this.add(token.value);
      case 'numberValue':
        return this.add(jsonNumber(token.value));
      case 'nullValue':
        return this.add(null);
      case 'trueValue':
        return this.add(true);
      case 'falseValue':
        return this.add(false);
      default:
        // Unpacked chunk tokens are never requested (packValues: true, streamValues: false).
        return false;
    }
  }

  private open(container: Container): void {
    this.keys.push(this.key);
    this.key = undefined;
    this.containers.push(container);
  }

  private add(v: unknown): boolean {
    const n = this.containers.length;
    if (n === 0) {
      this.value = v;
      return true;
    }
    const top = this.containers[n - 1];
    if (Array.isArray(top)) top.push(v);
    else setOwn(top, this.key!, v);
    return false;
  }
}

export function isStart(token: Token): boolean {
  return token.name === 'startObject' || token.name === 'startArray';
}

export function isEnd(token: Token): boolean {
  return token.name === 'endObject' || token.name === 'endArray';
}

export function isScalar(token: Token): boolean {
  switch (token.name) {
    case 'stringValue':
    case 'numberValue':
    case 'nullValue':
    case 'trueValue':
    case 'falseValue':
      return true;
    default:
      return false;
  }
}

export function scalarValue(token: Token): unknown {
  switch (token.name) {
    case 'stringValue':
      return token.value;
    case 'numberValue':
      return jsonNumber(token.value);
    case 'nullValue':
      return null;
    case 'trueValue':
      return true;
    case 'falseValue':
      return false;
    default:
      return undefined;
  }
}
