/**
 * Downloads a result to a private temporary file before it is parsed, for vendors that cancel a
 * request still running after a fixed time (Addepar: 60 s). Streaming straight into the parser
 * would tie the download to how fast the destination takes records (back-pressure from stdout
 * reaches the socket), so a slow destination could make the vendor cut a large download. Spooled,
 * the download runs at network speed, memory stays flat, and the parser reads from disk. The file
 * is unlinked as soon as it is open for reading; nothing is left behind however reading ends.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ResultBody } from '../formats/types.js';

export async function spoolBody(body: ResultBody): Promise<ResultBody> {
  const dir = await mkdtemp(path.join(tmpdir(), 'jobtap-result-'));
  const file = path.join(dir, 'result');
  try {
    const out = createWriteStream(file, { mode: 0o600 });
    await pipeline(body.stream, out);
    const handle = await open(file, 'r');
    const stream: Readable = handle.createReadStream();
    return { ...body, stream };
  } finally {
    // Open handles keep the data readable after the name is gone (POSIX).
    await rm(dir, { recursive: true, force: true });
  }
}
