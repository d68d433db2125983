/** Readable output: aligned tables and `key: value` blocks; --json bypasses both. */

const cell = (value: unknown): string => {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(cell).join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
};

export function table(rows: Record<string, unknown>[], columns: [header: string, key: string][]): string {
  if (!rows.length) return '(none)\n';
  const cells = [columns.map(([header]) => header), ...rows.map((row) => columns.map(([, key]) => cell(row[key])))];
  const widths = columns.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n') + '\n';
}

export function fields(record: Record<string, unknown>): string {
  const keys = Object.keys(record);
  if (!keys.length) return '';
  const width = Math.max(...keys.map((k) => k.length)) + 1;
  return keys.map((key) => `${`${key}:`.padEnd(width)} ${cell(record[key])}`).join('\n') + '\n';
}

export const asJson = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
