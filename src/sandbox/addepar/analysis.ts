/**
 * Portfolio analysis over the sandbox dataset: the computation behind both portfolio views
 * and portfolio queries. Positions held in a date window are grouped by the requested
 * grouping attributes into the tree Addepar returns (`total` with nested `children`), and
 * each node gets the requested column values.
 */
import { dayNumber, findPortfolio, priceCents, round4, securityById, type Holding, type Security } from './dataset.js';

export type OutputType = 'Financial' | 'Percent' | 'Number' | 'Word' | 'Date';

export interface AttributeDef {
  key: string;
  displayName: string;
  outputType: OutputType;
}

/** Column attributes the sandbox firm knows. */
export const COLUMN_ATTRIBUTES: readonly AttributeDef[] = [
  { key: 'value', displayName: 'Value', outputType: 'Financial' },
  { key: 'cost_basis', displayName: 'Cost Basis', outputType: 'Financial' },
  { key: 'unrealized_gain_loss', displayName: 'Unrealized Gain/Loss', outputType: 'Financial' },
  { key: 'time_weighted_return', displayName: 'Time Weighted Return', outputType: 'Percent' },
  { key: 'weight', displayName: 'Weight', outputType: 'Percent' },
  { key: 'quantity', displayName: 'Quantity', outputType: 'Number' },
  { key: 'price', displayName: 'Price', outputType: 'Financial' },
  { key: 'sector', displayName: 'Sector', outputType: 'Word' },
  { key: 'inception_date', displayName: 'Inception Date', outputType: 'Date' },
];

/** Grouping attributes the sandbox firm knows. */
export const GROUPING_ATTRIBUTES: readonly AttributeDef[] = [
  { key: 'asset_class', displayName: 'Asset Class', outputType: 'Word' },
  { key: 'sector', displayName: 'Sector', outputType: 'Word' },
  { key: 'security', displayName: 'Security', outputType: 'Word' },
];

export function columnAttribute(key: string): AttributeDef | undefined {
  return COLUMN_ATTRIBUTES.find((a) => a.key === key);
}

export function groupingAttribute(key: string): AttributeDef | undefined {
  return GROUPING_ATTRIBUTES.find((a) => a.key === key);
}

export type CellValue = number | string | null;

export interface TreeNode {
  name: string;
  /** Grouping attribute key of this level; absent on the total. */
  grouping?: string;
  /** Set on nodes that stand for one entity (securities). */
  entityId?: number;
  columns: Record<string, CellValue>;
  children: TreeNode[];
}

export interface DiscreteFilter {
  attribute: string;
  operator: 'include' | 'exclude';
  values: string[];
}

export interface AnalysisRequest {
  portfolioType: string;
  portfolioIds: number[];
  startDate: string;
  endDate: string;
  columns: string[];
  groupings: string[];
  filters?: DiscreteFilter[];
  hidePreviousHoldings?: boolean;
}

interface Position {
  security: Security;
  holding: Holding;
  heldAtEnd: boolean;
  /** Position value on the window end (0 when sold before it), cents. */
  endValueCents: number;
  costCents: number;
  /** Price return over the part of the window the position was held. */
  priceReturn: number;
  /** Weight of the position in return aggregation: its value at the start of its holding period. */
  startValueCents: number;
}

function maxDate(a: string, b: string): string {
  return a > b ? a : b;
}

function minDate(a: string, b: string): string {
  return a < b ? a : b;
}

function positionsOf(holdings: Holding[], start: string, end: string): Position[] {
  const out: Position[] = [];
  for (const h of holdings) {
    if (h.from > end || (h.to !== undefined && h.to < start)) continue;
    const security = securityById(h.entityId);
    const heldAtEnd = h.to === undefined || h.to >= end;
    const effStart = maxDate(start, h.from);
    const effEnd = h.to === undefined ? end : minDate(end, h.to);
    const p0 = priceCents(security, effStart);
    const p1 = priceCents(security, effEnd);
    out.push({
      security,
      holding: h,
      heldAtEnd,
      endValueCents: heldAtEnd ? Math.round(h.quantity * priceCents(security, end)) : 0,
      costCents: heldAtEnd ? Math.round(h.quantity * security.costCents) : 0,
      priceReturn: p1 / p0 - 1,
      startValueCents: Math.round(h.quantity * p0),
    });
  }
  return out;
}

function groupValue(p: Position, grouping: string): string {
  switch (grouping) {
    case 'asset_class':
      return p.security.assetClass;
    case 'sector':
      return p.security.sector;
    case 'security':
      return p.security.name;
    default:
      throw new Error(`unsupported grouping ${grouping}`);
  }
}

function filterValueMatches(p: Position, f: DiscreteFilter): boolean {
  const v = f.attribute === 'security' ? [p.security.name, String(p.security.entityId)] : [groupValue(p, f.attribute)];
  const hit = v.some((x) => f.values.includes(x));
  return f.operator === 'include' ? hit : !hit;
}

function common<T>(values: T[]): T | null {
  if (values.length === 0) return null;
  return values.every((v) => v === values[0]) ? values[0]! : null;
}

function cellValue(key: string, positions: Position[], totalValueCents: number, isSecurityNode: boolean, endDate: string): CellValue {
  const endCents = positions.reduce((s, p) => s + p.endValueCents, 0);
  switch (key) {
    case 'value':
      return endCents / 100;
    case 'cost_basis':
      return positions.reduce((s, p) => s + p.costCents, 0) / 100;
    case 'unrealized_gain_loss':
      return (endCents - positions.reduce((s, p) => s + p.costCents, 0)) / 100;
    case 'time_weighted_return': {
      const w = positions.reduce((s, p) => s + p.startValueCents, 0);
      if (w === 0) return null;
      return round4(positions.reduce((s, p) => s + p.startValueCents * p.priceReturn, 0) / w);
    }
    case 'weight':
      return totalValueCents === 0 ? null : round4(endCents / totalValueCents);
    case 'quantity':
      return isSecurityNode ? positions.reduce((s, p) => s + (p.heldAtEnd ? p.holding.quantity : 0), 0) : null;
    case 'price':
      return isSecurityNode ? priceCents(positions[0]!.security, endDate) / 100 : null;
    case 'sector':
      return common(positions.map((p) => p.security.sector));
    case 'inception_date':
      return positions.map((p) => p.holding.from).reduce((a, b) => (a < b ? a : b));
    default:
      throw new Error(`unsupported column ${key}`);
  }
}

function buildNode(
  name: string,
  positions: Position[],
  level: number,
  request: AnalysisRequest,
  totalValueCents: number,
  grouping?: string,
): TreeNode {
  const isSecurityNode = grouping === 'security';
  const node: TreeNode = { name, columns: {}, children: [] };
  if (grouping !== undefined) node.grouping = grouping;
  if (isSecurityNode) node.entityId = positions[0]!.security.entityId;
  for (const c of request.columns) node.columns[c] = cellValue(c, positions, totalValueCents, isSecurityNode, request.endDate);
  const childGrouping = request.groupings[level];
  if (childGrouping !== undefined) {
    const groups = new Map<string, Position[]>();
    for (const p of positions) {
      const k = groupValue(p, childGrouping);
      const list = groups.get(k);
      if (list) list.push(p);
      else groups.set(k, [p]);
    }
    // Addepar orders groups by name within a level; a plain code-unit sort keeps it deterministic.
    const names = [...groups.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const n of names) node.children.push(buildNode(n, groups.get(n)!, level + 1, request, totalValueCents, childGrouping));
  }
  return node;
}

export class InvalidPortfolioError extends Error {}

/** Runs the analysis; throws InvalidPortfolioError naming the first unknown portfolio. */
export function analyse(request: AnalysisRequest): TreeNode {
  const holdings: Holding[] = [];
  for (const id of request.portfolioIds) {
    const p = findPortfolio(request.portfolioType, id);
    if (!p) throw new InvalidPortfolioError(`Invalid portfolio: ${request.portfolioType.toUpperCase()} ${id}`);
    // A loop, not push(...spread): synthetic portfolios hold more positions than a call takes arguments.
    for (const h of p.holdings) holdings.push(h);
  }
  let positions = positionsOf(holdings, request.startDate, request.endDate);
  if (request.hidePreviousHoldings) positions = positions.filter((p) => p.heldAtEnd);
  for (const f of request.filters ?? []) positions = positions.filter((p) => filterValueMatches(p, f));
  const total = positions.reduce((s, p) => s + p.endValueCents, 0);
  return buildNode('Total', positions, 0, request, total);
}

/** Visits a tree depth-first, parents before children: the row order of tabular exports. */
export function* walkTree(node: TreeNode, path: string[] = []): Generator<{ node: TreeNode; path: string[]; depth: number }> {
  const here = path.length === 0 && node.grouping === undefined ? [] : [...path, node.name];
  yield { node, path: here, depth: here.length };
  for (const c of node.children) yield* walkTree(c, here);
}

/** Number of days in a window, inclusive; used for progress pacing only. */
export function windowDays(start: string, end: string): number {
  return dayNumber(end) - dayNumber(start) + 1;
}
