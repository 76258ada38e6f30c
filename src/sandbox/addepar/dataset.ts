/**
 * The sandbox firm: a small, fully deterministic set of portfolios, securities and prices.
 * Every figure is a pure function of (security, date), so a portfolio view or query over
 * the same window always yields the same numbers in every output format, and tests can
 * compute the expected records independently of the HTTP layer.
 *
 * Money is kept in integer cents so sums are exact; returns and weights are fractions
 * rounded to 4 decimals (exactly representable as "12.34%").
 */

export interface Security {
  entityId: number;
  name: string;
  assetClass: string;
  sector: string;
  /** Price on 2020-01-01, in cents. */
  basePriceCents: number;
  /** Yearly drift of the price (0.08 = +8 %/year). */
  drift: number;
  /** Amplitude of the seasonal wave around the drift. */
  wave: number;
  /** Cost per unit paid at purchase, in cents. */
  costCents: number;
}

export interface Holding {
  entityId: number;
  quantity: number;
  /** First day the position is held (YYYY-MM-DD). */
  from: string;
  /** Last day the position is held; absent while still held. */
  to?: string;
}

export interface Portfolio {
  type: 'ENTITY' | 'GROUP' | 'FIRM';
  id: number;
  name: string;
  holdings: Holding[];
}

export const SECURITIES: readonly Security[] = [
  { entityId: 2001, name: 'Apple Inc.', assetClass: 'Equity', sector: 'Technology', basePriceCents: 7_500, drift: 0.21, wave: 0.06, costCents: 6_120 },
  { entityId: 2002, name: 'Microsoft Corp.', assetClass: 'Equity', sector: 'Technology', basePriceCents: 16_000, drift: 0.17, wave: 0.05, costCents: 15_250 },
  { entityId: 2003, name: 'Berkshire Hathaway Inc., Class B', assetClass: 'Equity', sector: 'Financials', basePriceCents: 22_600, drift: 0.11, wave: 0.03, costCents: 20_010 },
  { entityId: 2004, name: 'Nestlé S.A. "ADR"', assetClass: 'Equity', sector: 'Consumer Staples', basePriceCents: 11_300, drift: -0.01, wave: 0.04, costCents: 10_875 },
  { entityId: 2005, name: 'iShares Core U.S. Aggregate Bond ETF', assetClass: 'Fixed Income', sector: 'Bonds', basePriceCents: 11_200, drift: -0.02, wave: 0.015, costCents: 10_990 },
  { entityId: 2006, name: 'U.S. Treasury Note 4.25% 2031', assetClass: 'Fixed Income', sector: 'Government', basePriceCents: 9_950, drift: 0.004, wave: 0.01, costCents: 9_800 },
  { entityId: 2007, name: 'Blackstone Real Estate Income Trust', assetClass: 'Alternatives', sector: 'Real Estate', basePriceCents: 1_240, drift: 0.05, wave: 0.02, costCents: 1_180 },
  { entityId: 2008, name: 'U.S. Dollar', assetClass: 'Cash & Cash Equivalent', sector: 'Cash', basePriceCents: 100, drift: 0, wave: 0, costCents: 100 },
  // Two names that differ only in accented letters: one record each, whatever the file's encoding.
  { entityId: 2009, name: 'Société Générale SA', assetClass: 'Equity', sector: 'Financials', basePriceCents: 2_450, drift: 0.04, wave: 0.05, costCents: 2_300 },
  { entityId: 2010, name: 'Sociètè Générale SA', assetClass: 'Equity', sector: 'Financials', basePriceCents: 1_180, drift: 0.02, wave: 0.03, costCents: 1_150 },
];

const ENTITIES: readonly Portfolio[] = [
  {
    type: 'ENTITY',
    id: 101,
    name: 'Whitmore Family Trust',
    holdings: [
      { entityId: 2001, quantity: 1_200, from: '2019-03-15' },
      { entityId: 2002, quantity: 450, from: '2019-06-03' },
      { entityId: 2003, quantity: 300, from: '2020-11-20' },
      { entityId: 2005, quantity: 2_500, from: '2019-03-15' },
      { entityId: 2006, quantity: 1_000, from: '2021-08-02' },
      { entityId: 2008, quantity: 250_000, from: '2019-03-15' },
    ],
  },
  {
    type: 'ENTITY',
    id: 102,
    name: 'Okafor Holdings LLC',
    holdings: [
      { entityId: 2004, quantity: 800, from: '2020-02-10' },
      // Sold mid-2024: windows after that show it only without hide_previous_holdings.
      { entityId: 2001, quantity: 300, from: '2020-02-10', to: '2024-06-28' },
      { entityId: 2007, quantity: 12_000, from: '2021-01-04' },
      { entityId: 2008, quantity: 80_000, from: '2020-02-10' },
    ],
  },
  {
    type: 'ENTITY',
    id: 103,
    name: 'Lindqvist Foundation',
    holdings: [
      { entityId: 2002, quantity: 900, from: '2018-09-17' },
      { entityId: 2005, quantity: 5_000, from: '2018-09-17' },
      { entityId: 2006, quantity: 3_000, from: '2022-01-10' },
      { entityId: 2007, quantity: 5_000, from: '2021-05-03' },
      { entityId: 2008, quantity: 150_000, from: '2018-09-17' },
    ],
  },
];

/** Entities of the firm that are outside its households (not part of the FIRM portfolio or any group). */
const OTHER_ENTITIES: readonly Portfolio[] = [
  {
    type: 'ENTITY',
    id: 104,
    name: 'Lefèvre & Fils',
    holdings: [
      { entityId: 2009, quantity: 400, from: '2021-04-12' },
      { entityId: 2010, quantity: 1_000, from: '2022-09-01' },
      { entityId: 2008, quantity: 20_000, from: '2021-04-12' },
    ],
  },
];

const GROUPS: readonly { id: number; name: string; members: number[] }[] = [{ id: 501, name: 'Whitmore-Okafor Household', members: [101, 102] }];

export const ENTITY_PORTFOLIOS: readonly Portfolio[] = ENTITIES;

function combine(type: Portfolio['type'], id: number, name: string, members: readonly Portfolio[]): Portfolio {
  return { type, id, name, holdings: members.flatMap((m) => m.holdings) };
}

/**
 * Resolves (portfolio_type, portfolio_id) to the holdings it covers, or undefined when
 * the firm has no such portfolio. Types with _FUNDS/_ACCOUNTS/_CLIENTS suffixes are treated
 * as their base type: the sandbox firm has one account per client.
 */
export function findPortfolio(portfolioType: string, portfolioId: number): Portfolio | undefined {
  const t = portfolioType.toUpperCase();
  if (t.startsWith('FIRM')) return portfolioId === 1 ? combine('FIRM', 1, 'Sandbox Wealth Partners', ENTITIES) : undefined;
  if (t.startsWith('GROUP')) {
    const g = GROUPS.find((x) => x.id === portfolioId);
    return g ? combine('GROUP', g.id, g.name, ENTITIES.filter((e) => g.members.includes(e.id))) : undefined;
  }
  if (t.startsWith('ENTITY')) return [...ENTITIES, ...OTHER_ENTITIES].find((e) => e.id === portfolioId) ?? syntheticPortfolio(portfolioId);
  return undefined;
}

/**
 * Load testing: ENTITY portfolio SYNTHETIC_PORTFOLIO_BASE + n holds n synthetic securities
 * (ids SYNTHETIC_SECURITY_BASE + 1..n), so a large result needs no configuration, only an id.
 */
export const SYNTHETIC_PORTFOLIO_BASE = 1_000_000;
export const SYNTHETIC_SECURITY_BASE = 10_000_000;
const MAX_SYNTHETIC = 5_000_000;
const SYNTHETIC_CLASSES = ['Equity', 'Fixed Income', 'Alternatives', 'Cash & Cash Equivalent'];
const SYNTHETIC_SECTORS = ['Technology', 'Financials', 'Health Care', 'Energy', 'Industrials', 'Utilities', 'Materials'];

function syntheticSecurity(entityId: number): Security {
  const n = entityId - SYNTHETIC_SECURITY_BASE;
  return {
    entityId,
    name: `Synthetic Security ${n}`,
    assetClass: SYNTHETIC_CLASSES[n % SYNTHETIC_CLASSES.length]!,
    sector: SYNTHETIC_SECTORS[n % SYNTHETIC_SECTORS.length]!,
    basePriceCents: 500 + ((n * 7919) % 50_000),
    drift: ((n % 21) - 5) / 100,
    wave: (n % 5) / 100,
    costCents: 400 + ((n * 104_729) % 40_000),
  };
}

function syntheticPortfolio(id: number): Portfolio | undefined {
  const n = id - SYNTHETIC_PORTFOLIO_BASE;
  if (!Number.isInteger(n) || n < 1 || n > MAX_SYNTHETIC) return undefined;
  const holdings: Holding[] = [];
  for (let i = 1; i <= n; i++) holdings.push({ entityId: SYNTHETIC_SECURITY_BASE + i, quantity: 10 + ((i * 31) % 990), from: '2019-01-02' });
  return { type: 'ENTITY', id, name: `Synthetic Portfolio (${n} securities)`, holdings };
}

export function securityById(entityId: number): Security {
  if (entityId > SYNTHETIC_SECURITY_BASE) return syntheticSecurity(entityId);
  const s = SECURITIES.find((x) => x.entityId === entityId);
  if (!s) throw new Error(`sandbox dataset has no security ${entityId}`);
  return s;
}

const DAY_MS = 86_400_000;
const EPOCH = Date.UTC(2020, 0, 1);

export function dayNumber(date: string): number {
  return Math.round((Date.parse(`${date}T00:00:00Z`) - EPOCH) / DAY_MS);
}

/** Closing price in cents on a date: a yearly drift plus a seasonal wave, phase-shifted per security. */
export function priceCents(security: Security, date: string): number {
  const days = dayNumber(date);
  const trend = 1 + (security.drift * days) / 365;
  const phase = (security.entityId % 7) / 7;
  const season = 1 + security.wave * Math.sin(2 * Math.PI * (days / 91 + phase));
  return Math.max(1, Math.round(security.basePriceCents * Math.max(0.05, trend) * season));
}

export function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

export function isValidDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const t = Date.parse(`${s}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === s;
}
