/**
 * Airbyte catalogs: the CATALOG that discover prints, and the ConfiguredAirbyteCatalog that
 * read receives (which streams, in which sync mode, in which order).
 */
import { ConfigError } from '../core/errors.js';
import type { SelectedStream } from '../core/read-loop.js';
import type { Stream, StreamInfo, SyncMode } from '../core/source.js';

export function airbyteStream(info: StreamInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: info.name,
    json_schema: info.jsonSchema,
    supported_sync_modes: info.supportedSyncModes,
  };
  if (info.sourceDefinedCursor !== undefined) out.source_defined_cursor = info.sourceDefinedCursor;
  if (info.defaultCursorField !== undefined) out.default_cursor_field = info.defaultCursorField;
  if (info.sourceDefinedPrimaryKey !== undefined) out.source_defined_primary_key = info.sourceDefinedPrimaryKey;
  if (info.isResumable !== undefined) out.is_resumable = info.isResumable;
  return out;
}

export function airbyteCatalog(streams: StreamInfo[]): Record<string, unknown> {
  return { streams: streams.map(airbyteStream) };
}

/** The stream names a configured catalog lists, or undefined when it is not one (selectConfiguredStreams says why). */
export function configuredStreamNames(raw: unknown): ReadonlySet<string> | undefined {
  const streams = raw !== null && typeof raw === 'object' ? (raw as { streams?: unknown }).streams : undefined;
  if (!Array.isArray(streams)) return undefined;
  const names = new Set<string>();
  for (const entry of streams) {
    const name = (entry as { stream?: { name?: unknown } } | null)?.stream?.name;
    if (typeof name !== 'string') return undefined;
    names.add(name);
  }
  return names;
}

/**
 * Matches a ConfiguredAirbyteCatalog against the streams the source offers, in catalog order.
 * Streams the source does not offer (any more) are listed apart, so the sync reads the others.
 * `file` names the catalog in errors.
 */
export function selectConfiguredStreams(raw: unknown, offered: Stream[], file: string): { selected: SelectedStream[]; unavailable: string[] } {
  if (raw === null || typeof raw !== 'object' || !Array.isArray((raw as { streams?: unknown }).streams)) {
    throw new ConfigError(`Catalog file ${file} must be a ConfiguredAirbyteCatalog: an object with a "streams" array`);
  }
  const byName = new Map(offered.map((s) => [s.name, s]));
  const seen = new Set<string>();
  const selected: SelectedStream[] = [];
  const unavailable: string[] = [];
  (raw as { streams: unknown[] }).streams.forEach((entry, i) => {
    const where = `catalog ${file}: streams[${i}]`;
    if (entry === null || typeof entry !== 'object') throw new ConfigError(`${where} must be an object`);
    const e = entry as { stream?: { name?: unknown }; sync_mode?: unknown };
    const name = e.stream?.name;
    if (typeof name !== 'string') throw new ConfigError(`${where}.stream.name must be a string`);
    if (seen.has(name)) throw new ConfigError(`${where}: stream "${name}" is listed twice`);
    seen.add(name);
    const stream = byName.get(name);
    if (stream === undefined) {
      unavailable.push(name);
      return;
    }
    const syncMode = (e.sync_mode ?? 'full_refresh') as SyncMode;
    if (syncMode !== 'full_refresh' && syncMode !== 'incremental') {
      throw new ConfigError(`${where}.sync_mode must be "full_refresh" or "incremental"`);
    }
    if (!stream.supportedSyncModes.includes(syncMode)) {
      throw new ConfigError(
        `Stream "${name}" does not support sync mode ${syncMode} (supported: ${stream.supportedSyncModes.join(', ')})`,
      );
    }
    selected.push({ stream, syncMode });
  });
  return { selected, unavailable };
}
