/**
 * The workbook's map (ECMA-376 Part 1 §18.2, OPC relationships in Part 2): which part is the
 * workbook (`_rels/.rels`, officeDocument relationship), its sheets in workbook order with their
 * part names (`<sheets><sheet name r:id>` resolved through `xl/_rels/workbook.xml.rels`), the
 * shared-strings and styles parts, and the date system (`<workbookPr date1904>`).
 */
import { xmlTags } from './small-xml.js';

export interface SheetRef {
  name: string;
  /** Zip entry name of the sheet part; undefined when the relationship is missing or not a worksheet (e.g. a chartsheet). */
  path?: string;
}

export interface WorkbookMap {
  /** All sheets in workbook order (worksheets and others). */
  sheets: SheetRef[];
  /** Serial dates count from 1904-01-01 instead of 1899-12-30. */
  date1904: boolean;
  sharedStringsPath?: string;
  stylesPath?: string;
}

export interface Relationship {
  id: string;
  /** The relationship type's last path segment, e.g. "worksheet", "officeDocument". */
  type: string;
  /** Resolved zip entry name. */
  target: string;
}

export const DEFAULT_WORKBOOK_PATH = 'xl/workbook.xml';

/** The workbook part named by the package relationships (`_rels/.rels`), or the conventional path. */
export function workbookPathOf(packageRels: string | undefined): string {
  if (packageRels === undefined) return DEFAULT_WORKBOOK_PATH;
  const office = parseRelationships(packageRels, '').find((r) => r.type === 'officeDocument');
  return office?.target ?? DEFAULT_WORKBOOK_PATH;
}

/** The relationships part of a part: `xl/workbook.xml` → `xl/_rels/workbook.xml.rels`. */
export function relationshipsPathOf(partPath: string): string {
  const slash = partPath.lastIndexOf('/');
  return `${partPath.slice(0, slash + 1)}_rels/${partPath.slice(slash + 1)}.rels`;
}

/** Relationships with targets resolved against `sourcePath` (the part the .rels file belongs to). */
export function parseRelationships(xml: string, sourcePath: string): Relationship[] {
  const rels: Relationship[] = [];
  const base = sourcePath.slice(0, sourcePath.lastIndexOf('/') + 1);
  for (const tag of xmlTags(xml)) {
    if (tag.name !== 'Relationship' || tag.kind === 'close') continue;
    const { Id: id, Type: type, Target: target, TargetMode: mode } = tag.attrs;
    if (id === undefined || type === undefined || target === undefined || mode === 'External') continue;
    rels.push({ id, type: type.slice(type.lastIndexOf('/') + 1), target: resolvePartName(base, target) });
  }
  return rels;
}

/** OPC part name resolution: absolute targets start at the package root; `.` and `..` collapse. */
export function resolvePartName(base: string, target: string): string {
  const joined = target.startsWith('/') ? target : base + target;
  const out: string[] = [];
  for (const segment of joined.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return out.join('/');
}

export function parseWorkbook(workbookXml: string, workbookRels: string | undefined, workbookPath: string): WorkbookMap {
  const rels = workbookRels === undefined ? [] : parseRelationships(workbookRels, workbookPath);
  const byId = new Map(rels.map((r) => [r.id, r]));
  const sheets: SheetRef[] = [];
  const base = workbookPath.slice(0, workbookPath.lastIndexOf('/') + 1);
  let date1904 = false;
  for (const tag of xmlTags(workbookXml)) {
    if (tag.kind === 'close') continue;
    if (tag.name === 'workbookPr') {
      const v = tag.attrs.date1904;
      date1904 = v === '1' || v === 'true';
    } else if (tag.name === 'sheet') {
      const rel = tag.attrs.id === undefined ? undefined : byId.get(tag.attrs.id);
      // Without a relationships part at all, fall back to the conventional sheet<sheetId>.xml naming.
      const guessed = workbookRels === undefined ? `${base}worksheets/sheet${tag.attrs.sheetId ?? sheets.length + 1}.xml` : undefined;
      sheets.push({ name: tag.attrs.name ?? '', path: rel?.type === 'worksheet' ? rel.target : guessed });
    }
  }
  return {
    sheets,
    date1904,
    sharedStringsPath: rels.find((r) => r.type === 'sharedStrings')?.target,
    stylesPath: rels.find((r) => r.type === 'styles')?.target,
  };
}
