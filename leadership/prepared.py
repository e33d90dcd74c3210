"""Read queries of a fixed shape, compiled to SQL by Django once and then only re-bound.

The respondent's pages run the same few small reads on every request, differing only in an id.
Building and compiling a QuerySet costs about ten times what the database then takes to answer
such an indexed read, so for those reads a :class:`PreparedQuery` has Django compile the QuerySet
once per database alias (the SQL, quoting and value conversions stay Django's own) and each call
binds new ids, runs it through the connection's ordinary cursor (so query logging, execute
wrappers and transactions behave as for any ORM query) and converts values as Django would.

The SQL is kept with named ("pyformat") placeholders, which every backend Django ships accepts:
for the default "format" style, Django's SQLite cursor rewrites each query with a regular
expression on every call, which for a long SELECT costs more than running it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import DEFAULT_DB_ALIAS, connections

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models import QuerySet

# Stand-ins for the arguments while compiling: values no real key takes.
_MARKER_BASE = -(2**62)
# A "format" placeholder, as Django's SQLite backend finds them: "%%s" is a literal "%s".
_FORMAT_PLACEHOLDER = re.compile(r"(?<!%)%s")


def _marker(kind: type, index: int) -> object:
    return _MARKER_BASE - index if kind is int else f"\x00prepared-{index}\x00"


@dataclass(frozen=True)
class _Compiled:
    engine: str
    sql: str  # with placeholders %(p0)s, %(p1)s, … in the order of the parameters
    names: tuple[str, ...]
    # For each SQL parameter: the index of the call argument it takes, or None for a constant.
    slots: tuple[int | None, ...]
    constants: tuple[Any, ...]
    # position in the row → (converters, expression), as Django's compiler computes them
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]


class PreparedQuery:
    """``build(*args)`` returns the QuerySet (a ``values_list``); ``rows(*args)`` runs it.

    ``kinds`` names the type of each argument (an id by default; ``str`` for a text key): while
    compiling, each is stood in for by a value of that type that no real row uses.
    """

    def __init__(
        self, build: Callable[..., QuerySet[Any]], *, kinds: tuple[type, ...] = (int,)
    ) -> None:
        self._build = build
        self._kinds = kinds
        self._arity = len(kinds)
        self._compiled: dict[str, _Compiled] = {}

    def rows(self, *ids: object, using: str = DEFAULT_DB_ALIAS) -> list[list[Any]]:
        if len(ids) != self._arity:
            raise TypeError(f"expected {self._arity} arguments, got {len(ids)}")
        connection = connections[using]
        compiled = self._compiled.get(using)
        if compiled is None or compiled.engine != connection.settings_dict["ENGINE"]:
            compiled = self._compiled[using] = self._compile(connection, using)
        params = {
            name: ids[slot] if slot is not None else constant
            for name, slot, constant in zip(
                compiled.names, compiled.slots, compiled.constants, strict=True
            )
        }
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = [list(row) for row in cursor.fetchall()]
        for position, converters, expression in compiled.converters:
            for row in rows:
                value = row[position]
                for converter in converters:
                    value = converter(value, expression, connection)
                row[position] = value
        return rows

    def _compile(self, connection: BaseDatabaseWrapper, using: str) -> _Compiled:
        markers = [_marker(kind, index) for index, kind in enumerate(self._kinds)]
        compiler = self._build(*markers).query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = tuple(markers.index(param) if param in markers else None for param in params)
        if sorted(slot for slot in slots if slot is not None) != list(range(self._arity)):
            raise ValueError("each id must appear exactly once among the query's parameters")
        fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
        converters = tuple(
            (position, tuple(found), expression)
            for position, (found, expression) in compiler.get_converters(fields).items()
        )
        names = tuple(f"p{index}" for index in range(len(params)))
        placeholders = iter(names)
        named_sql = _FORMAT_PLACEHOLDER.sub(lambda _: f"%({next(placeholders)})s", sql)
        if next(placeholders, None) is not None:
            raise ValueError("the compiled SQL has fewer placeholders than parameters")
        return _Compiled(
            engine=connection.settings_dict["ENGINE"],
            sql=named_sql,
            names=names,
            slots=slots,
            constants=tuple(params),
            converters=converters,
        )
