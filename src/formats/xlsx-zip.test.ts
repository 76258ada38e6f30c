import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { FileFormatError } from './errors.js';
import { spoolToTempFile, type SpooledFile } from './xlsx/spool.js';
import { ZipArchive } from './xlsx/zip.js';
import { buildZip } from './xlsx/test-zip.js';

const opened: SpooledFile[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const f of opened.splice(0)) await f.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function chunksOf(bytes: Buffer, size = 100): AsyncIterable<Buffer> {
  return (async function* () {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  })();
}

async function openZip(bytes: Buffer): Promise<ZipArchive> {
  const file = await spoolToTempFile(chunksOf(bytes));
  opened.push(file);
  return ZipArchive.open(file.handle, file.size, 'test.zip');
}

async function text(zip: ZipArchive, name: string): Promise<string> {
  const entry = zip.entry(name);
  if (entry === undefined) throw new Error(`no ${name}`);
  const parts: Buffer[] = [];
  for await (const c of zip.read(entry, { chunkSize: 1024 })) parts.push(c);
  return Buffer.concat(parts).toString('utf8');
}

async function failure(p: Promise<unknown>): Promise<FileFormatError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FileFormatError);
  expect((err as Error).message).toContain('test.zip');
  return err as FileFormatError;
}

const big = 'row,'.repeat(50_000) + 'é漢'; // larger than one read chunk, compressible, multi-byte

describe('zip reader', () => {
  it('reads stored and deflated entries, case-insensitively, across read chunks', async () => {
    const zip = await openZip(
      buildZip([
        { name: 'a/stored.txt', data: 'plain text', method: 0 },
        { name: 'a/Deflated.xml', data: big, method: 8 },
        { name: 'empty.txt', data: '', method: 0 },
        { name: 'empty-deflated.txt', data: '', method: 8 },
      ]),
    );
    expect(zip.entries.map((e) => e.name)).toEqual(['a/stored.txt', 'a/Deflated.xml', 'empty.txt', 'empty-deflated.txt']);
    expect(await text(zip, 'a/stored.txt')).toBe('plain text');
    expect(await text(zip, '/A/deflated.XML')).toBe(big);
    expect(await text(zip, 'empty.txt')).toBe('');
    expect(await text(zip, 'empty-deflated.txt')).toBe('');
    expect(zip.entry('missing')).toBeUndefined();
  });

  it('reads entries written with data descriptors (zero sizes in the local header)', async () => {
    const zip = await openZip(
      buildZip([
        { name: 'one', data: big, dataDescriptor: true },
        { name: 'two', data: 'second', dataDescriptor: true, method: 0 },
      ]),
    );
    expect(await text(zip, 'one')).toBe(big);
    expect(await text(zip, 'two')).toBe('second');
  });

  it('reads Zip64 extra fields and the Zip64 end record, and tolerates an archive comment', async () => {
    const zip = await openZip(
      buildZip(
        [
          { name: 'first', data: 'x'.repeat(1000), zip64: true },
          { name: 'second', data: big, zip64: true },
        ],
        { zip64End: true, comment: 'made by a test' },
      ),
    );
    expect(await text(zip, 'second')).toBe(big);
    expect(await text(zip, 'first')).toBe('x'.repeat(1000));
  });

  it('fails clearly on a truncated zip, wherever it is cut', async () => {
    const bytes = buildZip([
      { name: 'a', data: big },
      { name: 'b', data: 'tail' },
    ]);
    for (const keep of [0, 10, 100, Math.floor(bytes.length / 2), bytes.length - 30, bytes.length - 1]) {
      const err = await failure(openZip(bytes.subarray(0, keep)));
      expect(err.message).toMatch(/truncated/);
    }
  });

  it('refuses bytes that are not a zip', async () => {
    expect((await failure(openZip(Buffer.from('a,b\n1,2\n')))).message).toMatch(/not a zip/);
    expect((await failure(openZip(randomBytes(5000)))).message).toMatch(/not a zip/);
  });

  it('detects corrupt entry data: CRC mismatch, bad deflate stream, wrong declared size', async () => {
    const badCrc = await openZip(buildZip([{ name: 'a', data: 'hello', crc: 1234 }]));
    expect((await failure(text(badCrc, 'a'))).message).toMatch(/zip entry a: CRC-32 mismatch/);

    const good = buildZip([{ name: 'a', data: big }]);
    const garbled = Buffer.from(good);
    for (let i = 40; i < 200; i++) garbled[i] ^= 0x5a; // inside the deflate stream
    const zip = await openZip(garbled);
    expect((await failure(text(zip, 'a'))).message).toMatch(/zip entry a: (compressed data is corrupt|inflated to|CRC-32)/);
  });

  it('refuses unsupported methods and encrypted entries', async () => {
    const bytes = buildZip([{ name: 'a', data: 'hello', method: 0 }]);
    const bzip = Buffer.from(bytes);
    const cd = bzip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    bzip.writeUInt16LE(12, cd + 10); // method 12 = bzip2
    expect((await failure(text(await openZip(bzip), 'a'))).message).toMatch(/unsupported compression method 12/);
    const encrypted = Buffer.from(bytes);
    encrypted.writeUInt16LE(encrypted.readUInt16LE(cd + 8) | 1, cd + 8);
    expect((await failure(text(await openZip(encrypted), 'a'))).message).toMatch(/encrypted/);
  });

  it('refuses an archive with implausibly many entries', async () => {
    const many = Array.from({ length: 100_001 }, (_, i) => ({ name: `p${i}`, data: '', method: 0 as const }));
    expect((await failure(openZip(buildZip(many, { zip64End: true })))).message).toMatch(/more than 100000 entries/);
  });

  it('stops reading when the consumer stops early', async () => {
    const zip = await openZip(buildZip([{ name: 'a', data: big }]));
    let seen = 0;
    for await (const chunk of zip.read(zip.entry('a')!, { chunkSize: 1024 })) {
      seen += chunk.length;
      break;
    }
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(big.length);
    expect(await text(zip, 'a')).toBe(big); // the shared file handle is still usable
  });
});

describe('spooling to a temp file', () => {
  function tempParent(): string {
    const d = mkdtempSync(join(tmpdir(), 'jobtap-spool-test-'));
    dirs.push(d);
    return d;
  }

  it('unlinks the file once written, keeps it readable, and removes everything on close', async () => {
    const parent = tempParent();
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const file = await spoolToTempFile(chunksOf(bytes, 64 * 1024), { directory: parent, writeSize: 1 << 20 });
    expect(readdirSync(parent)).toEqual([]);
    expect(file.size).toBe(bytes.length);
    const back = Buffer.alloc(bytes.length);
    await file.handle.read(back, 0, bytes.length, 0);
    expect(back.equals(bytes)).toBe(true);
    await file.close();
    await file.close();
    expect(readdirSync(parent)).toEqual([]);
  });

  it('removes the temp file when the source fails, and passes the source error through', async () => {
    const parent = tempParent();
    const boom = new Error('socket hang up');
    const source = Readable.from(
      (async function* () {
        yield Buffer.alloc(2 * 1024 * 1024);
        throw boom;
      })(),
    );
    await expect(spoolToTempFile(source, { directory: parent })).rejects.toBe(boom);
    expect(readdirSync(parent)).toEqual([]);
  });
});

