"""How values are written: numbers on pages and in forms, and text in exported cells.

The formula guard lives here, once, for every export: a cell whose text begins with
= + - @, a tab or a carriage return could be read by a spreadsheet as a formula (CSV/formula
injection). Every exported cell is a string cell (data type "s": openpyxl would make text that
begins with = a formula), and a risky one also gets Excel's quote prefix, so that editing it in
Excel keeps it text.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles.cell_style import StyleArray

MAX_CELL_CHARS = 32767  # Excel's limit for one cell
RISKY_START = ("=", "+", "-", "@", "\t", "\r")


# --- numbers --------------------------------------------------------------------------------


def number(value: Decimal | int | float | None) -> str:
    """For reading: 9800 -> '9,800'; 9733.3333 -> '9,733.33'; None -> '—'."""
    if value is None:
        return "—"
    value = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def decimal_input(value: Decimal) -> str:
    """For a form field, as typed: Decimal('4700.5000') -> '4700.5' (normalize() alone would
    give '4.7E+3' for 4700)."""
    return f"{value.normalize():f}"


def percent(ratio: Decimal) -> str:
    return f"{(ratio * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"


# --- exported text ----------------------------------------------------------------------------


def cell_text(value: object) -> str:
    """A cell's text: no characters that XML cannot hold, no more than a cell can."""
    if value is None:
        return ""
    s = str(value)
    if ILLEGAL_CHARACTERS_RE.search(s):
        s = ILLEGAL_CHARACTERS_RE.sub("", s)
    return s[:MAX_CELL_CHARS]


def is_risky(text: str) -> bool:
    """Text a spreadsheet could take for a formula."""
    return text.startswith(RISKY_START)


def text_cell(sheet, value: object, style: WriteOnlyCell | None = None) -> WriteOnlyCell:
    """The formula guard: a write-only cell holding `value` as text, never as a formula (a
    string cell; quote-prefixed when risky), with a copy of `style`'s style if given."""
    text = cell_text(value)
    cell = WriteOnlyCell(sheet, value=text or None)
    if text:
        cell.data_type = "s"
    if style is not None:
        cell._style = StyleArray(style._style)  # a copy of the template's style ids
    if is_risky(text):
        cell.quotePrefix = True
    return cell


def size_text(n: int) -> str:
    """21403648 -> "20.41 MB (21,403,648 bytes)": precise enough that a file 1 byte over the
    limit never reads as the limit itself."""
    if n < 1024 * 1024:
        kb = f"{n / 1024:.2f}".rstrip("0").rstrip(".")
        return _("%(kb)s KB (%(bytes)s bytes)") % {"kb": kb, "bytes": f"{n:,}"}
    mb = f"{n / (1024 * 1024):.2f}".rstrip("0").rstrip(".")
    return _("%(mb)s MB (%(bytes)s bytes)") % {"mb": mb, "bytes": f"{n:,}"}
