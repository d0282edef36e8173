/** Plain-text and Markdown tables for the benchmark reports. */

export type Cell = string | number;

export interface Table {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
  /** Lines printed under the table: what the figures mean. */
  readonly notes?: readonly string[];
}

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/**
 * Formats a number for a table: thousands separators, and `digits` decimals below 100.
 * @example formatNumber(1234567) === '1,234,567'; formatNumber(3.14159, 2) === '3.14'
 */
export function formatNumber(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return '–';
  if (Math.abs(value) >= 100 || Number.isInteger(value)) return INTEGER.format(value);
  return value.toFixed(digits);
}

/**
 * Bytes as MiB with one decimal.
 * @example mib(3 * 1024 * 1024) === '3.0'
 */
export function mib(bytes: number): string {
  return (bytes / 1_048_576).toFixed(1);
}

/**
 * Bytes as KiB with one decimal.
 * @example kib(1536) === '1.5'
 */
export function kib(bytes: number): string {
  return (bytes / 1024).toFixed(1);
}

function cellText(cell: Cell): string {
  return typeof cell === 'number' ? formatNumber(cell) : cell;
}

function isNumeric(text: string): boolean {
  return /^[-–+]?[\d,.]+( ?[%×x])?$|^–$/.test(text);
}

/**
 * Renders a table as aligned text for a terminal: numbers are right-aligned.
 * @example renderText({ title: 'CLI', columns: ['command', 'ms'], rows: [['--version', 41.2]] })
 */
export function renderText(table: Table): string {
  const cells = table.rows.map((row) => row.map(cellText));
  const widths = table.columns.map((column, i) =>
    Math.max(column.length, ...cells.map((row) => (row[i] ?? '').length)),
  );
  const line = (values: readonly string[], numeric: (i: number) => boolean) =>
    values
      .map((value, i) => (numeric(i) ? value.padStart(widths[i] ?? 0) : value.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [table.title, line(table.columns, () => false), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const row of cells) out.push(line(row, (i) => isNumeric(row[i] ?? '')));
  for (const note of table.notes ?? []) out.push(`  ${note}`);
  return `${out.join('\n')}\n`;
}

/** A column whose cells all read as numbers is right-aligned. */
function numericColumn(table: Table, index: number): boolean {
  return table.rows.length > 0 && table.rows.every((row) => isNumeric(cellText(row[index] ?? '')));
}

/**
 * Renders a table as GitHub Markdown, for docs/benchmarks.md.
 * @example renderMarkdown({ title: 'CLI', columns: ['command', 'ms'], rows: [['--version', 41.2]] })
 */
export function renderMarkdown(table: Table): string {
  const escapePipes = (text: string) => text.replaceAll('|', '\\|');
  const out = [
    `**${table.title}**`,
    '',
    `| ${table.columns.map(escapePipes).join(' | ')} |`,
    `|${table.columns.map((_, i) => (numericColumn(table, i) ? '---:' : '---')).join('|')}|`,
    ...table.rows.map((row) => `| ${row.map((cell) => escapePipes(cellText(cell))).join(' | ')} |`),
  ];
  if (table.notes && table.notes.length > 0) out.push('', ...table.notes.map((note) => `- ${note}`));
  return `${out.join('\n')}\n`;
}
