"""Plain-SQL bulk inserts for the import service: rows as tuples, no model instances.

The ORM's bulk_create spends most of an import's time building model instances and preparing
every value of every row through the field machinery (about 5 s for the 5,000-row benchmark
plan). Here the values are prepared per column, and only for the columns that need it (dates,
times, decimals); the columns a row does not give take the field's default, computed once.
On PostgreSQL one COPY (projects.sql; the ids, when wanted, taken from the sequence first), or
for JSON columns one statement per page of rows (psycopg2's execute_values); on SQLite an
executemany of one prepared statement, or, when the ids are wanted, a multi-row VALUES with
RETURNING (the ids come back in the order of the rows, which Django's bulk_create relies on).

`insert_objects` writes the rows' creation history ("+", who, when) the way
simple-history's bulk_create_with_history does, in the same plain SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from projects.sql import copy_rows

PAGE = 5000  # rows per statement on PostgreSQL
PREPARED = {"DateField", "DateTimeField", "DecimalField", "JSONField", "TimeField", "UUIDField"}


def _columns(model: type[Model], given: Sequence[str], now: datetime):
    """The columns written (the given ones, then every other concrete one but the auto id),
    the defaults of those not given, and a per-column converter or None."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    rest = [
        f
        for name, f in fields.items()
        if name not in given and not (f.primary_key and f.get_internal_type().endswith("AutoField"))
    ]
    defaults = []
    for f in rest:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults.append(now)
        else:
            defaults.append(f.get_default())
    columns = [*given, *(f.attname for f in rest)]
    converters = []
    for name in columns:
        f = fields[name]
        if f.get_internal_type() in PREPARED:
            converters.append(_memoised(f))
        else:
            converters.append(None)
    return columns, tuple(defaults), converters


def _memoised(f):
    """The field's own preparation of a value, once per distinct value (dates repeat: a
    plan has a dozen due dates)."""
    seen: dict = {}

    def convert(value):
        try:
            return seen[value]
        except KeyError:
            seen[value] = prepared = f.get_db_prep_save(value, connection)
            return prepared
        except TypeError:  # unhashable
            return f.get_db_prep_save(value, connection)

    return convert


def _prepare(rows, defaults: tuple, converters) -> list[tuple]:
    todo = [(i, c) for i, c in enumerate(converters) if c is not None]
    if not todo:
        return [(*row, *defaults) for row in rows]
    out = []
    for row in rows:
        values = [*row, *defaults]
        for i, convert in todo:
            values[i] = convert(values[i])
        out.append(tuple(values))
    return out


def insert_rows(
    model: type[Model],
    columns: Sequence[str],
    rows: Sequence[Sequence],
    *,
    now: datetime | None = None,
    returning: bool = False,
) -> list[int]:
    """Insert rows of `model` given as tuples of the `columns` (attnames), the other columns
    taking their defaults. Returns the new ids in the order of the rows when `returning`."""
    if not rows:
        return []
    cols, defaults, converters = _columns(model, list(columns), now or timezone.now())
    values = _prepare(rows, defaults, converters)
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    names = ", ".join(qn(c) for c in cols)
    pk = qn(model._meta.pk.column)
    ids: list[int] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and _copyable(model, cols):
            return _copy(cursor.cursor, model, cols, values, returning=returning)
        if connection.vendor == "postgresql":
            from psycopg2.extras import execute_values

            sql = f"INSERT INTO {table} ({names}) VALUES %s"
            if returning:
                fetched = execute_values(
                    cursor.cursor, f"{sql} RETURNING {pk}", values, page_size=PAGE, fetch=True
                )
                ids = [r[0] for r in fetched]
            else:
                execute_values(cursor.cursor, sql, values, page_size=PAGE)
            return ids
        one = "(" + ", ".join(["%s"] * len(cols)) + ")"
        if not returning:  # executemany of one prepared statement: SQLite's fastest way
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES {one}", values)
            return ids
        # as many rows per statement as SQLite's limit of bound variables allows
        per_page = max(1, min(PAGE, _sqlite_max_variables() // len(cols)))
        for start in range(0, len(values), per_page):
            page = values[start : start + per_page]
            sql = f"INSERT INTO {table} ({names}) VALUES " + ", ".join([one] * len(page))
            cursor.execute(f"{sql} RETURNING {pk}", [v for row in page for v in row])
            ids.extend(r[0] for r in cursor.fetchall())
    return ids


def _copyable(model: type[Model], columns: Sequence[str]) -> bool:
    """COPY takes the values as text: every prepared value but a JSON adapter's (and a
    database default's expression) reads back as itself (dates, times, decimals, UUIDs,
    booleans as True/False)."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    return all(
        fields[c].get_internal_type() != "JSONField" and not fields[c].has_db_default()
        for c in columns
    )


def _copy(cursor, model: type[Model], columns: list[str], values: list[tuple], *, returning):
    """PostgreSQL: one COPY (projects.sql.copy_rows) instead of INSERTs of thousands of
    tuples. When the ids are wanted, they are taken from the table's sequence first (in
    ascending order, as the INSERT … RETURNING gave them) and written with the rows."""
    table = model._meta.db_table
    if not returning:
        copy_rows(cursor, table, columns, values)
        return []
    pk = model._meta.pk.column
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [connection.ops.quote_name(table), pk, len(values)],
    )
    ids = sorted(r[0] for r in cursor.fetchall())
    copy_rows(
        cursor, table, [pk, *columns], [(i, *row) for i, row in zip(ids, values, strict=True)]
    )
    return ids


def _sqlite_max_variables() -> int:
    import sqlite3

    connection.ensure_connection()
    try:
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except AttributeError:  # Python before 3.11
        return 999


def insert_objects(
    model: type[Model],
    objs: Sequence[Model],
    *,
    history: bool = True,
    user=None,
    now: datetime | None = None,
) -> None:
    """Insert unsaved instances (their ids are set) and, with `history`, their creation
    history ("+"), as simple-history's bulk_create_with_history would, in plain statements."""
    if not objs:
        return
    now = now or timezone.now()
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and f.get_internal_type().endswith("AutoField"))
    ]
    stamped = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    for obj in objs:  # what bulk_create would do: related ids from related objects, times
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        for f in stamped:
            setattr(obj, f.attname, now)
    names = [f.attname for f in fields]
    rows = [tuple(getattr(obj, n) for n in names) for obj in objs]
    ids = insert_rows(model, names, rows, now=now, returning=True)
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
    if not history:
        return
    historical = model.history.model
    tracked = [f.attname for f in historical.tracked_fields]
    user_id = getattr(user, "pk", None)
    h_rows = [(*(getattr(obj, n) for n in tracked), now, None, "+", user_id) for obj in objs]
    insert_rows(
        historical,
        [*tracked, "history_date", "history_change_reason", "history_type", "history_user_id"],
        h_rows,
        now=now,
    )
