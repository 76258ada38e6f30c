/**
 * Singer catalogs (Meltano SDK conventions): the catalog `--discover` prints, with metadata
 * breadcrumbs, and the selection a `--catalog`/`--properties` file makes (streams, replication
 * method, properties).
 */
import { ConfigError } from '../core/errors.js';
import type { JsonSchema } from '../core/json-schema.js';
import type { SelectedStream } from '../core/read-loop.js';
import type { Stream, StreamInfo, SyncMode } from '../core/source.js';

export type ReplicationMethod = 'INCREMENTAL' | 'FULL_TABLE';

export interface SingerSelection extends SelectedStream {
  /** Top-level properties to emit; undefined means all of them. */
  properties?: string[];
}

interface MetadataEntry {
  breadcrumb: string[];
  metadata: Record<string, unknown>;
}

/** Singer key properties are top-level names; nested key paths are written dotted. */
export function keyProperties(info: StreamInfo): string[] {
  return (info.sourceDefinedPrimaryKey ?? []).map((path) => path.join('.'));
}

export function replicationKey(info: StreamInfo): string | undefined {
  if (!info.supportedSyncModes.includes('incremental')) return undefined;
  const cursor = info.defaultCursorField;
  return cursor === undefined || cursor.length === 0 ? undefined : cursor.join('.');
}

function defaultMethod(info: StreamInfo): ReplicationMethod {
  return info.supportedSyncModes.includes('incremental') ? 'INCREMENTAL' : 'FULL_TABLE';
}

/** Fields that must always be emitted: primary key and cursor (Singer inclusion "automatic"). */
function automaticProperties(info: StreamInfo): Set<string> {
  const out = new Set<string>();
  for (const path of info.sourceDefinedPrimaryKey ?? []) if (path.length > 0) out.add(path[0]);
  if (info.supportedSyncModes.includes('incremental') && info.defaultCursorField?.length) {
    out.add(info.defaultCursorField[0]);
  }
  return out;
}

export function singerCatalogEntry(info: StreamInfo): Record<string, unknown> {
  const method = defaultMethod(info);
  const key = replicationKey(info);
  const automatic = automaticProperties(info);
  const streamMetadata: Record<string, unknown> = {
    inclusion: 'available',
    selected: true,
    'selected-by-default': true,
    'table-key-properties': keyProperties(info),
    'forced-replication-method': method,
    'replication-method': method,
    'schema-name': info.name,
  };
  if (key !== undefined) {
    streamMetadata['valid-replication-keys'] = [key];
    streamMetadata['replication-key'] = key;
  }
  const metadata: MetadataEntry[] = [{ breadcrumb: [], metadata: streamMetadata }];
  for (const prop of Object.keys(info.jsonSchema.properties ?? {})) {
    metadata.push({
      breadcrumb: ['properties', prop],
      metadata: { inclusion: automatic.has(prop) ? 'automatic' : 'available', 'selected-by-default': true },
    });
  }
  const entry: Record<string, unknown> = {
    tap_stream_id: info.name,
    stream: info.name,
    schema: info.jsonSchema,
    key_properties: keyProperties(info),
    replication_method: method,
    metadata,
  };
  if (key !== undefined) entry.replication_key = key;
  return entry;
}

export function singerCatalog(streams: StreamInfo[]): Record<string, unknown> {
  return { streams: streams.map(singerCatalogEntry) };
}

/** Every offered stream with all its properties: what a tap syncs when no catalog is given. */
export function selectAll(offered: Stream[]): SingerSelection[] {
  return offered.map((stream) => ({ stream, syncMode: defaultMethod(stream) === 'INCREMENTAL' ? 'incremental' : 'full_refresh' }));
}

/**
 * The selected streams of a Singer catalog, in catalog order; selected streams the tap does not
 * offer (any more) are listed apart, so the sync reads the others. `file` names the catalog in errors.
 */
export function selectSingerStreams(raw: unknown, offered: Stream[], file: string): { selected: SingerSelection[]; unavailable: string[] } {
  if (raw === null || typeof raw !== 'object' || !Array.isArray((raw as { streams?: unknown }).streams)) {
    throw new ConfigError(`Catalog file ${file} must be a Singer catalog: an object with a "streams" array`);
  }
  const byName = new Map(offered.map((s) => [s.name, s]));
  const out: SingerSelection[] = [];
  const unavailable: string[] = [];
  const seen = new Set<string>();
  (raw as { streams: unknown[] }).streams.forEach((value, i) => {
    const where = `catalog ${file}: streams[${i}]`;
    if (value === null || typeof value !== 'object') throw new ConfigError(`${where} must be an object`);
    const entry = value as Record<string, unknown>;
    const id = entry.tap_stream_id ?? entry.stream;
    if (typeof id !== 'string') throw new ConfigError(`${where}.tap_stream_id must be a string`);
    const metadata = readMetadata(entry.metadata, where);
    const root = metadata.get(crumbKey([])) ?? {};
    if (!isStreamSelected(entry, root)) return;
    if (seen.has(id)) throw new ConfigError(`${where}: stream "${id}" is listed twice`);
    seen.add(id);
    const stream = byName.get(id);
    if (stream === undefined) {
      unavailable.push(id);
      return;
    }
    out.push({ stream, syncMode: syncModeOf(stream, entry, root), properties: selectedProperties(stream, metadata) });
  });
  return { selected: out, unavailable };
}

function readMetadata(value: unknown, where: string): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  if (value === undefined || value === null) return out;
  if (!Array.isArray(value)) throw new ConfigError(`${where}.metadata must be an array`);
  for (const item of value) {
    if (item === null || typeof item !== 'object') continue;
    const { breadcrumb, metadata } = item as { breadcrumb?: unknown; metadata?: unknown };
    if (!Array.isArray(breadcrumb) || metadata === null || typeof metadata !== 'object') continue;
    out.set(crumbKey(breadcrumb.map(String)), metadata as Record<string, unknown>);
  }
  return out;
}

function crumbKey(breadcrumb: string[]): string {
  return JSON.stringify(breadcrumb);
}

function isStreamSelected(entry: Record<string, unknown>, root: Record<string, unknown>): boolean {
  if (typeof root.selected === 'boolean') return root.selected;
  // Legacy Singer catalogs mark selection on the entry or on its schema.
  if (typeof entry.selected === 'boolean') return entry.selected;
  const schema = entry.schema as { selected?: unknown } | undefined;
  if (schema !== undefined && typeof schema.selected === 'boolean') return schema.selected;
  if (typeof root['selected-by-default'] === 'boolean') return root['selected-by-default'];
  return false;
}

function syncModeOf(stream: Stream, entry: Record<string, unknown>, root: Record<string, unknown>): SyncMode {
  const requested = root['replication-method'] ?? entry.replication_method ?? root['forced-replication-method'];
  const incremental = stream.supportedSyncModes.includes('incremental');
  if (requested === undefined) return incremental ? 'incremental' : 'full_refresh';
  if (requested === 'INCREMENTAL') {
    if (!incremental) throw new ConfigError(`Stream "${stream.name}" does not support INCREMENTAL replication`);
    return 'incremental';
  }
  if (requested === 'FULL_TABLE') {
    if (!stream.supportedSyncModes.includes('full_refresh')) {
      throw new ConfigError(`Stream "${stream.name}" does not support FULL_TABLE replication`);
    }
    return 'full_refresh';
  }
  throw new ConfigError(
    `Stream "${stream.name}": replication method ${JSON.stringify(requested)} is not supported (use INCREMENTAL or FULL_TABLE)`,
  );
}

/** Meltano SDK rules: automatic always, unsupported never, else `selected`, else `selected-by-default`, else selected. */
function selectedProperties(stream: Stream, metadata: Map<string, Record<string, unknown>>): string[] | undefined {
  const all = Object.keys(stream.jsonSchema.properties ?? {});
  const automatic = automaticProperties(stream);
  const chosen = all.filter((prop) => {
    if (automatic.has(prop)) return true;
    const md = metadata.get(crumbKey(['properties', prop])) ?? {};
    if (md.inclusion === 'unsupported') return false;
    if (typeof md.selected === 'boolean') return md.selected;
    if (typeof md['selected-by-default'] === 'boolean') return md['selected-by-default'];
    return true;
  });
  return chosen.length === all.length ? undefined : chosen;
}

/** The stream schema restricted to the selected properties. */
export function projectSchema(schema: JsonSchema, properties: string[] | undefined): JsonSchema {
  if (properties === undefined || schema.properties === undefined) return schema;
  const keep = new Set(properties);
  const projected: Record<string, JsonSchema> = {};
  for (const [name, prop] of Object.entries(schema.properties)) if (keep.has(name)) projected[name] = prop;
  const out: JsonSchema = { ...schema, properties: projected };
  if (schema.required !== undefined) out.required = schema.required.filter((r) => keep.has(r));
  return out;
}
