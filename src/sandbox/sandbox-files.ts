/**
 * What `jobtap-sandbox` leaves for a person to use: per vendor a config that points at the running
 * simulator, and the ready catalogs for that config (an Airbyte configured catalog and a Singer
 * catalog, every stream selected). The catalogs are the package's own catalog/ files, which a test
 * keeps equal to what discover answers for these configs, so they work from a checkout and from an
 * installed package alike, wherever the command runs.
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SandboxFiles {
  config: string;
  configuredCatalog: string;
  singerCatalog: string;
}

/** catalog/ of this package: three levels up from dist/src/sandbox (or src/sandbox under a TS runner). */
function packageCatalogDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'catalog');
    if (existsSync(path.join(candidate, 'addepar.configured_catalog.json'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('the package has no catalog/ folder next to its code; reinstall jobtap');
}

/** Writes `<vendor>.json`, `<vendor>.configured_catalog.json` and `<vendor>.singer_catalog.json` into `dir`. */
export function writeSandboxFiles(dir: string, vendor: 'addepar' | 'impact', config: Record<string, unknown>): SandboxFiles {
  mkdirSync(dir, { recursive: true });
  const catalogs = packageCatalogDir();
  const files: SandboxFiles = {
    config: path.join(dir, `${vendor}.json`),
    configuredCatalog: path.join(dir, `${vendor}.configured_catalog.json`),
    singerCatalog: path.join(dir, `${vendor}.singer_catalog.json`),
  };
  writeFileSync(files.config, `${JSON.stringify(config, null, 2)}\n`);
  copyFileSync(path.join(catalogs, `${vendor}.configured_catalog.json`), files.configuredCatalog);
  copyFileSync(path.join(catalogs, `${vendor}.singer_catalog.json`), files.singerCatalog);
  return files;
}
