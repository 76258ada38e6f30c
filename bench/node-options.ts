import { readFileSync } from 'node:fs';

/**
 * The Node options of an entry's shebang (`#!/usr/bin/env -S node --opt …`): what runs when a user,
 * Meltano (through npm's bin link) or the Docker image (its ENTRYPOINT repeats them) starts the CLI.
 */
export function shebangNodeOptions(entry: string): string[] {
  const first = readFileSync(entry, 'utf8').split('\n', 1)[0]!;
  const match = /^#!\/usr\/bin\/env -S node((?: --[\w-]+(?:=\S+)?)*)\s*$/.exec(first);
  if (match === null && first !== '#!/usr/bin/env node') throw new Error(`${entry}: unexpected shebang ${first}`);
  return (match?.[1] ?? '').split(' ').filter((o) => o !== '');
}
