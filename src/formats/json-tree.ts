/**
 * Flattening a grouped portfolio tree (the JSON that Addepar's Portfolio Query / Portfolio View APIs
 * return) into one row per node, streaming: only the chain of open ancestors is held.
 *
 * Input, as confirmed against the vendor's published examples:
 *   data.attributes.total = NODE
 *   NODE = { "entity_id"?: number, "name": string, "grouping"?: string,
 *            "columns": { <column key>: value, ... }, "children": [ NODE, ... ] }
 * (the total has no grouping; leaf nodes have "children": []; null column values may be absent.)
 *
 * Row shape, one per node, in document (pre-)order — the total first, each node before its children:
 *   _path       string  node names from the total down, joined with " / " (the total: its own name,
 *                       e.g. "Total"; a child: "Total / Equity"; names are not escaped)
 *   _depth      integer 0 for the total, 1 for its children, ...
 *   _name       string  the node's name
 *   _grouping   string | null  the node's grouping attribute key (null for the total)
 *   _entity_id  number | string | null  the node's entity_id when present
 *   <key>       the value of each entry of `columns`, under the column key as written
 *               (a column key equal to one of the names above is dropped: the node fields win)
 *
 * A node's row is emitted when its "children" array starts (or when the node closes, if it has
 * none), so "name", "grouping", "entity_id" and "columns" must come before "children" — the order
 * the vendor writes. A node field after "children" is a FileFormatError, never silently lost.
 */
import type { Token } from 'stream-json/core/parser.js';
import type { RawRow } from './types.js';
import { FileFormatError } from './errors.js';
import { ValueBuilder, isEnd, isScalar, isStart, scalarValue, setOwn } from './json-values.js';

export const TREE_PATH_SEPARATOR = ' / ';

interface OpenNode {
  depth: number;
  parentPath: string | undefined;
  name?: string;
  grouping?: unknown;
  entityId?: unknown;
  columns?: Record<string, unknown>;
  key?: string;
  emitted: boolean;
  /** The node's own path once known (needed by its children). */
  path?: string;
  /** Inside this node's "children" array. */
  inChildren: boolean;
}

type Pending = { kind: 'columns'; builder: ValueBuilder } | { kind: 'skip'; depth: number };

export class TreeFlattener {
  private readonly open: OpenNode[] = [];
  private pending: Pending | undefined;
  private emittedRows = 0;

  constructor(
    private readonly fileName: string,
    private readonly emit: (row: RawRow) => void,
  ) {}

  /** Feeds one token, starting with the total's startObject; true when the total node has closed. */
  push(t: Token): boolean {
    if (this.pending !== undefined) {
      this.continuePending(t);
      return false;
    }
    const node = this.open[this.open.length - 1];
    if (node === undefined) {
      if (t.name !== 'startObject') this.fail(`"total" is not an object`);
      this.open.push({ depth: 0, parentPath: undefined, emitted: false, inChildren: false });
      return false;
    }
    if (node.inChildren) {
      if (t.name === 'startObject') {
        this.open.push({ depth: node.depth + 1, parentPath: node.path, emitted: false, inChildren: false });
      } else if (t.name === 'endArray') {
        node.inChildren = false;
      } else {
        this.fail(`a "children" entry under ${JSON.stringify(node.path)} is not an object`);
      }
      return false;
    }
    if (t.name === 'keyValue') {
      node.key = t.value;
      if (node.emitted && node.key !== 'children') {
        this.fail(
          `tree node ${JSON.stringify(node.path)} has "${node.key}" after "children"; node fields must come first`,
        );
      }
      return false;
    }
    if (t.name === 'endObject') {
      if (!node.emitted) this.emitNode(node);
      this.open.pop();
      return this.open.length === 0;
    }
    switch (node.key) {
      case 'name':
        node.name = isScalar(t) ? String(scalarValue(t)) : this.fail(`tree node "name" is not a string`);
        return false;
      case 'grouping':
      case 'entity_id': {
        let value: unknown;
        if (isScalar(t)) value = scalarValue(t);
        else this.skip(t);
        if (node.key === 'grouping') node.grouping = value;
        else node.entityId = value;
        return false;
      }
      case 'columns':
        if (t.name === 'startObject') {
          const builder = new ValueBuilder();
          builder.push(t);
          this.pending = { kind: 'columns', builder };
        } else if (t.name !== 'nullValue') {
          this.fail(`tree node ${JSON.stringify(node.name ?? '')} has "columns" that is not an object`);
        }
        return false;
      case 'children':
        if (!node.emitted) this.emitNode(node);
        if (t.name === 'startArray') node.inChildren = true;
        else if (t.name !== 'nullValue') this.fail(`tree node ${JSON.stringify(node.path)} has "children" that is not an array`);
        return false;
      default:
        this.skip(t);
        return false;
    }
  }

  private continuePending(t: Token): void {
    const pending = this.pending!;
    if (pending.kind === 'columns') {
      if (pending.builder.push(t)) {
        this.open[this.open.length - 1].columns = pending.builder.value as Record<string, unknown>;
        this.pending = undefined;
      }
      return;
    }
    if (isStart(t)) pending.depth++;
    else if (isEnd(t)) pending.depth--;
    if (pending.depth === 0) this.pending = undefined;
  }

  private skip(t: Token): void {
    if (isStart(t)) this.pending = { kind: 'skip', depth: 1 };
  }

  private emitNode(node: OpenNode): void {
    const name = node.name ?? '';
    node.path = node.parentPath === undefined ? name : `${node.parentPath}${TREE_PATH_SEPARATOR}${name}`;
    node.emitted = true;
    this.emittedRows++;
    const row: RawRow = {
      _path: node.path,
      _depth: node.depth,
      _name: name,
      _grouping: node.grouping ?? null,
      _entity_id: node.entityId ?? null,
    };
    if (node.columns !== undefined) {
      for (const key of Object.keys(node.columns)) {
        if (!Object.prototype.hasOwnProperty.call(row, key)) setOwn(row, key, node.columns[key]);
      }
    }
    this.emit(row);
  }

  private fail(problem: string): never {
    throw new FileFormatError(this.fileName, problem, { row: this.emittedRows + 1 });
  }
}
