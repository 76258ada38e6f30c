/**
 * Spooling a byte stream to a temporary file, so the zip can be read from its end (the central
 * directory) without holding it in memory. The file is unlinked as soon as it is complete and
 * read only through the open handle, so a process that dies while rows are being read leaves
 * nothing behind; close() (called however reading ends) removes the private directory too, also
 * on platforms that refuse to unlink an open file and when the source fails mid-way.
 */
import { mkdtemp, open, rm, unlink, rmdir } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SpooledFile {
  /** Open for reading (positional reads; the handle's file position is not used). */
  readonly handle: FileHandle;
  readonly size: number;
  /** Closes the handle and removes the temporary file and directory. Safe to call more than once. */
  close(): Promise<void>;
}

export interface SpoolOptions {
  /** Parent of the private temp directory; default os.tmpdir(). */
  directory?: string;
  /** Bytes gathered before one write; default 1 MiB (fewer, larger writes). */
  writeSize?: number;
}

export async function spoolToTempFile(chunks: AsyncIterable<Buffer>, options: SpoolOptions = {}): Promise<SpooledFile> {
  const dir = await mkdtemp(join(options.directory ?? tmpdir(), 'jobtap-xlsx-'));
  const path = join(dir, 'body.zip');
  const writeSize = options.writeSize ?? 1 << 20;
  let handle: FileHandle | undefined;
  let closed = false;
  const removeAll = async (): Promise<void> => {
    await rm(dir, { recursive: true, force: true });
  };
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    try {
      await handle?.close();
    } finally {
      await removeAll();
    }
  };
  try {
    handle = await open(path, 'w+', 0o600);
    let size = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async (): Promise<void> => {
      if (pendingBytes === 0) return;
      const { bytesWritten } = await handle!.writev(pending);
      // writev may write less than asked (as write(2) may); finish the rest explicitly.
      if (bytesWritten < pendingBytes) {
        const rest = Buffer.concat(pending).subarray(bytesWritten);
        for (let done = 0; done < rest.length; ) done += (await handle!.write(rest, done)).bytesWritten;
      }
      pending = [];
      pendingBytes = 0;
    };
    for await (const chunk of chunks) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      size += chunk.length;
      if (pendingBytes >= writeSize) await flush();
    }
    await flush();
    // The handle keeps the data reachable; the name is no longer needed. Best effort: some
    // platforms cannot unlink an open file, and close() removes it then.
    try {
      await unlink(path);
      await rmdir(dir);
    } catch {
      // removed by close()
    }
    return { handle, size, close };
  } catch (err) {
    await close();
    throw err;
  }
}
