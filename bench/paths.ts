/** Where the bench's files are, from the built bench (dist/bench/) back to the repository. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Peer tools installed by the peer bench outside the project's dependencies (gitignored). */
export const PEERS_DIR = join(ROOT, 'bench', '.peers');
/** The peers' own scripts (Python ones run from the source tree). */
export const PEER_SCRIPTS = join(ROOT, 'bench', 'peers');
