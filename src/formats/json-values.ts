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
type ObjectFactory = (values: unknown[]) => Record<string, unknown>;

/**
 * Object factories by key sequence, shared by all builders: rows of one file repeat the same keys,
 * and an object literal per key sequence builds them with one hidden class instead of a keyed
 * store per property (the keyed stores were ~15% of JSON parsing time). Keys enter the generated
 * source only as JSON.stringify string literals; "__proto__" never gets a factory.
 */
const factories = new Map<string, ObjectFactory | null>();
const MAX_FACTORIES = 256;

function objectFactory(keys: string[]): ObjectFactory | null {
  const signature = keys.join('\u0000');
  let factory = factories.get(signature);
  if (factory !== undefined) return factory;
  if (keys.includes('__proto__') || keys.length > 500 || factories.size >= MAX_FACTORIES) {
    factory = null;
  } else {
    const literal = keys.map((k, i) => `${JSON.stringify(k)}: v[${i}]`).join(', ');
    factory = new Function('v', `return { ${literal} };`) as ObjectFactory;
  }
  factories.set(signature, factory);
  return factory;
}

/**
 * Builds one JSON value. The outermost object collects its keys and values and is built at its end
 * (see objectFactory); nested containers are built as they come.
 */
export class ValueBuilder {
  private readonly containers: Container[] = [];
  private readonly keys: (string | undefined)[] = [];
  private key: string | undefined;
  /** The outermost object's properties, while it is open. */
  private outerKeys: string[] | undefined;
  private outerValues: unknown[] | undefined;
  value: unknown = undefined;

  /** Feeds one token; returns true when the value is complete (then read `value`). */
  push(token: Token): boolean {
    switch (token.name) {
      case 'startObject':
        if (this.containers.length === 0 && this.outerKeys === undefined) {
          this.outerKeys = [];
          this.outerValues = [];
          return false;
        }
        this.open({});
        return false;
      case 'startArray':
        this.open([]);
        return false;
      case 'endObject':
      case 'endArray': {
        if (this.containers.length === 0) return this.closeOuter();
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

  private closeOuter(): boolean {
    const keys = this.outerKeys!;
    const values = this.outerValues!;
    const factory = objectFactory(keys);
    if (factory !== null) {
      this.value = factory(values);
    } else {
      const obj: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) setOwn(obj, keys[i], values[i]);
      this.value = obj;
    }
    return true;
  }

  private open(container: Container): void {
    this.keys.push(this.key);
    this.key = undefined;
    this.containers.push(container);
  }

  private add(v: unknown): boolean {
    const n = this.containers.length;
    if (n === 0) {
      if (this.outerKeys !== undefined) {
        this.outerKeys.push(this.key!);
        this.outerValues!.push(v);
        return false;
      }
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
