/**
 * Hand-built zip archives for the XLSX reader's tests: each entry stored or deflated, optionally
 * with a data descriptor (sizes and CRC after the data, zeros in the local header) or forced Zip64
 * fields, so the reader meets the layouts real writers produce without depending on one of them.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface TestZipEntry {
  name: string;
  data: string | Buffer;
  method?: 0 | 8;
  /** Sizes and CRC in a data descriptor after the data (general-purpose flag bit 3). */
  dataDescriptor?: boolean;
  /** Central directory sizes and offset saturated to 0xFFFFFFFF with a Zip64 extra field. */
  zip64?: boolean;
  /** Overrides the CRC written (to test CRC checking). */
  crc?: number;
}

export interface TestZipOptions {
  /** Adds a Zip64 end-of-central-directory record and locator with the real counts. */
  zip64End?: boolean;
  comment?: string;
}

export function buildZip(entries: TestZipEntry[], options: TestZipOptions = {}): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const raw = typeof e.data === 'string' ? Buffer.from(e.data, 'utf8') : e.data;
    const method = e.method ?? 8;
    const body = method === 8 ? deflateRawSync(raw) : raw;
    const crc = e.crc ?? crc32(raw);
    const name = Buffer.from(e.name, 'utf8');
    const flags = 0x0800 | (e.dataDescriptor === true ? 0x0008 : 0);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(e.zip64 === true ? 45 : 20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(0, 10); // time, date
    local.writeUInt32LE(e.dataDescriptor === true ? 0 : crc, 14);
    local.writeUInt32LE(e.dataDescriptor === true ? 0 : body.length, 18);
    local.writeUInt32LE(e.dataDescriptor === true ? 0 : raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    parts.push(local, name, body);
    const localOffset = offset;
    offset += local.length + name.length + body.length;
    if (e.dataDescriptor === true) {
      const dd = Buffer.alloc(16);
      dd.writeUInt32LE(0x08074b50, 0);
      dd.writeUInt32LE(crc, 4);
      dd.writeUInt32LE(body.length, 8);
      dd.writeUInt32LE(raw.length, 12);
      parts.push(dd);
      offset += dd.length;
    }
    const extra = e.zip64 === true ? Buffer.alloc(28) : Buffer.alloc(0);
    if (e.zip64 === true) {
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(24, 2);
      extra.writeBigUInt64LE(BigInt(raw.length), 4);
      extra.writeBigUInt64LE(BigInt(body.length), 12);
      extra.writeBigUInt64LE(BigInt(localOffset), 20);
    }
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(45, 4);
    cd.writeUInt16LE(e.zip64 === true ? 45 : 20, 6);
    cd.writeUInt16LE(flags, 8);
    cd.writeUInt16LE(method, 10);
    cd.writeUInt32LE(0, 12);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(e.zip64 === true ? 0xffffffff : body.length, 20);
    cd.writeUInt32LE(e.zip64 === true ? 0xffffffff : raw.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt16LE(extra.length, 30);
    cd.writeUInt32LE(e.zip64 === true ? 0xffffffff : localOffset, 42);
    central.push(cd, name, extra);
  }
  const cdOffset = offset;
  const cdBytes = Buffer.concat(central);
  parts.push(cdBytes);
  offset += cdBytes.length;
  if (options.zip64End === true) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE(45, 12);
    record.writeUInt16LE(45, 14);
    record.writeBigUInt64LE(BigInt(entries.length), 24);
    record.writeBigUInt64LE(BigInt(entries.length), 32);
    record.writeBigUInt64LE(BigInt(cdBytes.length), 40);
    record.writeBigUInt64LE(BigInt(cdOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset), 8);
    locator.writeUInt32LE(1, 16);
    parts.push(record, locator);
    offset += record.length + locator.length;
  }
  const comment = Buffer.from(options.comment ?? '', 'utf8');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(options.zip64End === true ? 0xffff : entries.length, 8);
  end.writeUInt16LE(options.zip64End === true ? 0xffff : entries.length, 10);
  end.writeUInt32LE(options.zip64End === true ? 0xffffffff : cdBytes.length, 12);
  end.writeUInt32LE(options.zip64End === true ? 0xffffffff : cdOffset, 16);
  end.writeUInt16LE(comment.length, 20);
  parts.push(end, comment);
  return Buffer.concat(parts);
}

/** A minimal workbook's parts around the given sheet XML (one sheet "Sheet1", optional shared strings and styles). */
export function workbookParts(sheetXml: string, extra: { sharedStrings?: string; styles?: string; workbook?: string } = {}): TestZipEntry[] {
  const ns = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  const rels = [`<Relationship Id="rId1" Type="${ns}/worksheet" Target="worksheets/sheet1.xml"/>`];
  if (extra.sharedStrings !== undefined) rels.push(`<Relationship Id="rId2" Type="${ns}/sharedStrings" Target="sharedStrings.xml"/>`);
  if (extra.styles !== undefined) rels.push(`<Relationship Id="rId3" Type="${ns}/styles" Target="/xl/styles.xml"/>`);
  const entries: TestZipEntry[] = [
    {
      name: '_rels/.rels',
      data: `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${ns}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    },
    {
      name: 'xl/workbook.xml',
      data:
        extra.workbook ??
        `<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="${ns}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    },
    { name: 'xl/_rels/workbook.xml.rels', data: `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rels.join('')}</Relationships>` },
    { name: 'xl/worksheets/sheet1.xml', data: sheetXml },
  ];
  if (extra.sharedStrings !== undefined) entries.push({ name: 'xl/sharedStrings.xml', data: extra.sharedStrings });
  if (extra.styles !== undefined) entries.push({ name: 'xl/styles.xml', data: extra.styles });
  return entries;
}

export const SHEET_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';

/** `<worksheet><sheetData>rows</sheetData></worksheet>`. */
export function sheetXml(rows: string, prefix = ''): string {
  const p = prefix === '' ? '' : `${prefix}:`;
  const decl = prefix === '' ? `xmlns="${SHEET_NS}"` : `xmlns:${prefix}="${SHEET_NS}"`;
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<${p}worksheet ${decl}><${p}dimension ref="A1"/><${p}sheetData>${rows}</${p}sheetData><${p}mergeCells count="0"/></${p}worksheet>`;
}
