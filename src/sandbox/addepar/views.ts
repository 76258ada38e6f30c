/**
 * Saved analysis views of the sandbox firm (what `view_id` points at in a portfolio view job).
 */
export interface SavedView {
  id: number;
  displayName: string;
  /** Column attribute keys, in display order. */
  columns: string[];
  /** Grouping attribute keys, outermost first. */
  groupings: string[];
}

export const SAVED_VIEWS: readonly SavedView[] = [
  {
    id: 12,
    displayName: 'Holdings by Asset Class',
    columns: ['value', 'cost_basis', 'unrealized_gain_loss', 'time_weighted_return', 'weight', 'quantity', 'price', 'sector', 'inception_date'],
    groupings: ['asset_class', 'security'],
  },
  {
    id: 14,
    displayName: 'Performance by Sector',
    columns: ['value', 'time_weighted_return', 'weight'],
    groupings: ['sector'],
  },
];

export function findView(id: number): SavedView | undefined {
  return SAVED_VIEWS.find((v) => v.id === id);
}
