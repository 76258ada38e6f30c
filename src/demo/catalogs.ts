/**
 * Ready-made catalogs from a connector's own discover output: an Airbyte configured catalog
 * (every stream, incremental where the stream supports it) and a Singer catalog with every
 * stream selected. The demo uses them, and `npm run catalogs` regenerates catalog/ from the
 * sandboxes so the committed files always match what discover says.
 */
import type { CatalogStream } from './connector-run.js';

export function configuredCatalog(streams: CatalogStream[]): Record<string, unknown> {
  return {
    streams: streams.map((s) => {
      const incremental = s.supported_sync_modes.includes('incremental');
      return {
        stream: s,
        sync_mode: incremental ? 'incremental' : 'full_refresh',
        ...(incremental && s.default_cursor_field ? { cursor_field: s.default_cursor_field } : {}),
        destination_sync_mode: s.source_defined_primary_key?.length ? 'append_dedup' : 'append',
        ...(s.source_defined_primary_key ? { primary_key: s.source_defined_primary_key } : {}),
      };
    }),
  };
}

interface SingerCatalogEntry {
  metadata?: { breadcrumb: string[]; metadata: Record<string, unknown> }[];
  [key: string]: unknown;
}

/** Marks every stream selected (root breadcrumb), leaving property selection to the defaults. */
export function selectAllSinger(catalog: { streams: SingerCatalogEntry[] }): { streams: SingerCatalogEntry[] } {
  return {
    streams: catalog.streams.map((s) => ({
      ...s,
      metadata: (s.metadata ?? []).map((m) => (m.breadcrumb.length === 0 ? { ...m, metadata: { ...m.metadata, selected: true } } : m)),
    })),
  };
}
