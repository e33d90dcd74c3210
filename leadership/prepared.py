"""Statements of a fixed shape, compiled to SQL by Django once and then only re-bound.

The respondent's pages run the same few small reads on every request, differing only in an id.
Building and compiling a QuerySet costs about ten times what the database then takes to answer
such an indexed read, so for those reads a :class:`PreparedQuery` has Django compile the QuerySet
once per database alias (the SQL, quoting and value conversions stay Django's own) and each call
binds new ids, runs it through the connection's ordinary cursor (so query logging, execute
wrappers and transactions behave as for any ORM query) and converts values as Django would.
Submitting runs the same few deletes and updates each time, so they are prepared the same way
(:class:`PreparedDelete`, :class:`PreparedUpdate`).

The SQL is kept with named ("pyformat") placeholders, which every backend Django ships accepts:
for the default "format" style, Django's SQLite cursor rewrites each query with a regular
expression on every call, which for a long SELECT costs more than running it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import signals, sql
from django.db.models.deletion import Collector

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models import Model, QuerySet
    from django.db.models.sql import Query

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
    arity: int

    def params(self, ids: tuple[object, ...]) -> dict[str, Any]:
        """The statement's parameters for these arguments."""
        if len(ids) != self.arity:
            raise TypeError(f"expected {self.arity} arguments, got {len(ids)}")
        return {
            name: ids[slot] if slot is not None else constant
            for name, slot, constant in zip(self.names, self.slots, self.constants, strict=True)
        }


class _Prepared:
    """A statement built by ``build(*args)`` from a QuerySet and compiled once per alias.

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

    def _query(self, markers: list[object]) -> Query:
        return self._build(*markers).query

    def _compiled_for(self, connection: BaseDatabaseWrapper, using: str) -> _Compiled:
        compiled = self._compiled.get(using)
        if compiled is None or compiled.engine != connection.settings_dict["ENGINE"]:
            compiled = self._compiled[using] = self._compile(connection, using)
        return compiled

    def _compile(self, connection: BaseDatabaseWrapper, using: str) -> _Compiled:
        markers = [_marker(kind, index) for index, kind in enumerate(self._kinds)]
        compiler = self._query(markers).get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = tuple(markers.index(param) if param in markers else None for param in params)
        if sorted(slot for slot in slots if slot is not None) != list(range(self._arity)):
            raise ValueError("each id must appear exactly once among the query's parameters")
        converters: tuple[tuple[int, tuple[Any, ...], Any], ...] = ()
        if getattr(compiler, "col_count", None):  # a SELECT
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
            arity=self._arity,
        )


class PreparedQuery(_Prepared):
    """A read: ``build(*args)`` returns the QuerySet (a ``values_list``); ``rows(*args)`` runs
    it and returns its rows with Django's value conversions."""

    def rows(self, *ids: object, using: str = DEFAULT_DB_ALIAS) -> list[list[Any]]:
        connection = connections[using]
        compiled = self._compiled_for(connection, using)
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, compiled.params(ids))
            rows = [list(row) for row in cursor.fetchall()]
        for position, converters, expression in compiled.converters:
            for row in rows:
                value = row[position]
                for converter in converters:
                    value = converter(value, expression, connection)
                row[position] = value
        return rows


class _PreparedWrite(_Prepared):
    _verb = "write"

    def run(self, *ids: object, using: str = DEFAULT_DB_ALIAS) -> int:
        """Run the statement; the number of rows it changed."""
        connection = connections[using]
        compiled = self._compiled_for(connection, using)
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, compiled.params(ids))
            return cursor.rowcount

    def _queryset(self, markers: list[object]) -> QuerySet[Any]:
        """The built QuerySet, refused where Django's own delete() and update() refuse it."""
        queryset = self._build(*markers)
        if queryset.query.is_sliced:
            raise TypeError(f"Cannot {self._verb} a query once a slice has been taken.")
        if queryset._fields is not None or queryset.query.distinct_fields:
            raise TypeError(f"Cannot {self._verb} after values(), values_list() or distinct().")
        return queryset


class PreparedDelete(_PreparedWrite):
    """``build(*args)`` returns the QuerySet of the rows to delete; ``run(*args)`` deletes them
    in one statement, as Django's own ``delete()`` does for a model that nothing cascades from and
    no delete signal listens to (checked when compiling, and the signals again on every run:
    otherwise ValueError)."""

    _verb = "delete"

    def __init__(
        self, build: Callable[..., QuerySet[Any]], *, kinds: tuple[type, ...] = (int,)
    ) -> None:
        super().__init__(build, kinds=kinds)
        self._model: type[Model] | None = None

    def run(self, *ids: object, using: str = DEFAULT_DB_ALIAS) -> int:
        model = self._model
        if model is not None and (
            signals.pre_delete.has_listeners(model) or signals.post_delete.has_listeners(model)
        ):
            raise ValueError(f"{model.__name__} has delete signals: one statement would skip them")
        return super().run(*ids, using=using)

    def _query(self, markers: list[object]) -> Query:
        queryset = self._queryset(markers)
        if not Collector(using=queryset.db, origin=queryset).can_fast_delete(queryset):
            raise ValueError(f"{queryset.model.__name__} rows cannot be deleted in one statement")
        self._model = queryset.model
        return queryset.query.chain(klass=sql.DeleteQuery)  # as QuerySet._raw_delete does


class PreparedUpdate(_PreparedWrite):
    """``build(*args)`` returns the QuerySet of the rows to change, ``values`` the fields to set
    and their values (fixed when compiling); ``run(*args)`` is ``update(**values)`` on them."""

    def __init__(
        self,
        build: Callable[..., QuerySet[Any]],
        *,
        values: dict[str, Any],
        kinds: tuple[type, ...] = (int,),
    ) -> None:
        super().__init__(build, kinds=kinds)
        self._values = values

    _verb = "update"

    def _query(self, markers: list[object]) -> Query:
        query = self._queryset(markers).query.chain(klass=sql.UpdateQuery)
        query.add_update_values(self._values)  # as QuerySet.update does
        return query
