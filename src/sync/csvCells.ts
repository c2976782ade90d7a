/**
 * Free-text CSV cells against spreadsheet formulas (CSV injection, OWASP): a cell that starts with `=`,
 * `+`, `-` or `@` is a formula to Excel or WPS when the file is opened (`=HYPERLINK("http://…"&A1,"点击查看")`
 * sends the row away when clicked), and one that starts with a tab, carriage return or line feed may be
 * one to a spreadsheet that skips leading white space. Such a cell leaves an export behind a `'`, which
 * makes it text; the full-width ＝＋－＠ are prefixed too, as a precaution.
 *
 * So that an export publishes back unchanged, a cell that starts with `'` is prefixed as well, and CSV
 * publishing drops one leading `'` from every free-text cell: `'=A1` publishes `=A1`, `''x` publishes
 * `'x`. Only free text is concerned: numbers (`-3.5`), dates, codes and enumerations are checked values
 * that no spreadsheet runs, and geometry and lists leave as JSON (`{…}`, `[…]`). Free text is a `text`
 * field's cell and the `sourceRecordId` column.
 */

const NEEDS_PREFIX = /^[=+\-@\t\r\n'＝＋－＠]/;

/** A free-text value as an exported CSV cell. */
export function csvCell(text: string): string {
  return NEEDS_PREFIX.test(text) ? `'${text}` : text;
}

/** A published free-text CSV cell's value: the cell without one leading `'`. */
export function cellText(cell: string): string {
  return cell.startsWith("'") ? cell.slice(1) : cell;
}
