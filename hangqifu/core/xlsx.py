"""Rows for every .xlsx the portal writes (dashboard tables, disbursement orders, lists). A text value that a
spreadsheet would read as a formula — starting with = + - @ (also their full-width forms), a tab or a carriage
return — is written as a plain text cell with Excel's quote prefix: a provider named `=HYPERLINK(...)` opens
as that text, never as a live formula or link. Numbers, amounts and dates keep their types."""
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
MONEY_FORMAT = "#,##0.00"


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def row(sheet, values, *, bold: bool = False, size: int | None = None, money_columns=()) -> list:
    """Values ready for `sheet.append` (normal or write-only sheets). Plain values stay plain (a styled cell
    object per cell is most of a big sheet's cost); formula-like text, styled and money cells become cells."""
    cells = []
    for column, value in enumerate(values, start=1):
        formula_like = is_formula_like(value)
        if not (formula_like or bold or size or column in money_columns):
            cells.append(value)
            continue
        cell = WriteOnlyCell(sheet, value=value)
        if formula_like:
            cell.data_type = "s"
            cell.quotePrefix = True
        if bold or size:
            cell.font = Font(bold=bold, size=size)
        if column in money_columns:
            cell.number_format = MONEY_FORMAT
        cells.append(cell)
    return cells
