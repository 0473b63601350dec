"""Bulk writing in plain SQL shared by the import (importers.bulk) and the stored statuses
(progress.statuses.stored): PostgreSQL's COPY.

COPY … FROM STDIN takes rows as one CSV stream: no SQL text to build and parse per row (psycopg2's
execute_values quotes every value of every row in Python, and the server parses a statement of
thousands of tuples). For 60,000 status rows that is several times faster than multi-row INSERTs.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence


def copy_rows(cursor, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """COPY rows (tuples of `columns`, values already prepared for the database: dates as
    dates or ISO strings, None for NULL) into `table` on PostgreSQL. `cursor` is a psycopg2
    cursor; table and columns are quoted here."""
    buf = io.StringIO()
    # QUOTE_NOTNULL: every value quoted but None, so that "" stays an empty string and an
    # unquoted empty field is NULL (CSV COPY's rule)
    csv.writer(buf, quoting=csv.QUOTE_NOTNULL, lineterminator="\n").writerows(rows)
    buf.seek(0)
    names = ", ".join(_quote(c) for c in columns)
    cursor.copy_expert(f"COPY {_quote(table)} ({names}) FROM STDIN WITH (FORMAT csv)", buf)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
