// HTML tables of the report. Every table sits in its own horizontally scrolling box, so a wide table
// (17 bin columns, the statistics table) scrolls inside the page instead of running past the right
// edge of the window.
import { escapeHtml } from './svg.ts';

export const TABLE_CSS = `.tbl{overflow-x:auto;max-width:100%;margin:8px 0}
table{border-collapse:collapse;font-size:12px}th,td{border:1px solid #e2e2e2;padding:3px 6px;text-align:right;white-space:nowrap}
th{background:#f6f6f6;position:sticky;top:0}td:first-child,th:first-child{text-align:left}`;

export function scrollTable(headers: string[], rows: string[][]): string {
  const head = `<tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('');
  return `<div class="tbl"><table>${head}${body}</table></div>`;
}
