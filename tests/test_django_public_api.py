"""Our code uses Django through its public API only, so a Django upgrade cannot silently break it.

Every Python file of the project is read with ``ast`` (only the Django classes it subclasses are
imported, to ask what they define) and these are refused, with their file and line:
- a name imported from ``django…`` that starts with an underscore, or a private ``django`` module
  (a dotted part starting with one);
- an underscore attribute of a name imported from Django (``_meta``, documented, aside);
- in a class built on a Django class, an override or a ``super()`` call of an underscore name
  that class defines: the subclass reaches into its Django parent's internals.
An attribute's owner is unknown to a syntax tree, so ``obj._x`` on an object a Django call
returned is not caught; review keeps that.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from django.middleware.csrf import CsrfViewMiddleware

ROOT = Path(__file__).resolve().parents[1]
# Not ours: environments, collected static files, uploads, caches.
SKIPPED_DIRS = {"node_modules", "staticfiles", "media", "screenshots", "__pycache__"}
# Underscore names Django documents as public: Model._meta, and the two methods a custom storage
# implements ("Writing a custom storage system").
DOCUMENTED = {"_meta", "_open", "_save"}


def _project_files() -> list[Path]:
    return sorted(
        path
        for path in ROOT.rglob("*.py")
        if not any(
            part.startswith(".") or part in SKIPPED_DIRS for part in path.relative_to(ROOT).parts
        )
    )


def _is_django(module: str) -> bool:
    return module == "django" or module.startswith("django.")


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__") and name not in DOCUMENTED


def _private_module(module: str) -> bool:
    return any(part.startswith("_") for part in module.split("."))


def _django_names(tree: ast.AST) -> dict[str, str]:
    """The names a module binds from ``from django… import …``, with their module."""
    return {
        alias.asname or alias.name: node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and _is_django(node.module)
        for alias in node.names
    }


def _is_super_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"
    )


def _django_bases(cls: ast.ClassDef, django: dict[str, str]) -> list[type]:
    """The Django classes ``cls`` is built on (imported to ask what they define)."""
    bases = []
    for base in cls.bases:
        if isinstance(base, ast.Name) and base.id in django:
            found = getattr(importlib.import_module(django[base.id]), base.id, None)
            if isinstance(found, type):
                bases.append(found)
    return bases


def _private_reaches(cls: ast.ClassDef, bases: list[type]) -> list[tuple[int, str]]:
    """Overrides and ``super()`` calls of an underscore name its Django parents define: the class
    reaches into their internals (a helper of its own with an underscore name is fine)."""

    def inherited(name: str) -> bool:
        return _private(name) and any(hasattr(base, name) for base in bases)

    found = [
        (item.lineno, f"def {item.name} (overrides a private method)")
        for item in cls.body
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and inherited(item.name)
    ]
    found.extend(
        (node.lineno, f"super().{node.attr}")
        for node in ast.walk(cls)
        if isinstance(node, ast.Attribute) and _is_super_call(node.value) and inherited(node.attr)
    )
    return found


def private_uses(source: str) -> list[tuple[int, str]]:
    """(line, what) for each use of a private Django name in ``source``."""
    tree = ast.parse(source)
    django = _django_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and _is_django(node.module):
            if _private_module(node.module):
                found.append((node.lineno, f"from {node.module} import …"))
            found.extend(
                (node.lineno, f"from {node.module} import {alias.name}")
                for alias in node.names
                if alias.name.startswith("_")
            )
        elif isinstance(node, ast.Import):
            found.extend(
                (node.lineno, f"import {alias.name}")
                for alias in node.names
                if _is_django(alias.name) and _private_module(alias.name)
            )
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in django
            and _private(node.attr)
        ):
            found.append((node.lineno, f"{node.value.id}.{node.attr}"))
        elif isinstance(node, ast.ClassDef) and (bases := _django_bases(node, django)):
            found.extend(_private_reaches(node, bases))
    return found


def test_the_walk_reads_the_project_s_own_packages():
    files = {path.relative_to(ROOT).parts[0] for path in _project_files()}
    assert {"assessments", "leadership", "benchmarks", "tests", "manage.py"} <= files


def test_no_project_file_uses_a_private_name_of_django():
    offences = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in _project_files()
        for line, what in private_uses(path.read_text(encoding="utf-8"))
    ]
    assert offences == []


# The rule, not a list of Django's internals: invented names, and whichever underscore method
# the CSRF middleware happens to define.
MIDDLEWARE = "from django.middleware.csrf import CsrfViewMiddleware\n"
INTERNAL = next(name for name in sorted(vars(CsrfViewMiddleware)) if _private(name))
# Built, not written out: the samples are code for the check to read, not imports of this file
# (a project-wide search for private Django imports should not find them here).
INVENTED = "_" + "a_private"


@pytest.mark.parametrize(
    "source",
    [
        f"from django.middleware.csrf import {INVENTED}_helper",
        f"from django.utils.{INVENTED}_module import thing",
        f"import django.utils.{INVENTED}_module",
        MIDDLEWARE + f"CsrfViewMiddleware.{INVENTED}_check(middleware, request)",
        MIDDLEWARE + f"class M(CsrfViewMiddleware):\n    def {INTERNAL}(self, *a): ...",
        MIDDLEWARE
        + "class M(CsrfViewMiddleware):\n"
        + f"    def process_view(self, r, *a):\n        return super().{INTERNAL}(r)",
    ],
)
def test_the_check_catches_each_kind_of_private_use(source):
    assert private_uses(source)


@pytest.mark.parametrize(
    "source",
    [
        "from django.utils.translation import gettext_lazy as _",
        "from django.middleware.csrf import CsrfViewMiddleware, get_token",
        "Invitation._meta.get_field('email')",  # the documented Model _meta API
        "from ._private import thing",  # our own relative import
        "class Ours:\n    def _helper(self): ...\n    def run(self):\n        self._helper()",
        MIDDLEWARE + "class M(CsrfViewMiddleware):\n    def __init__(self, g):\n"
        "        super().__init__(g)",
        # a helper of its own, not one the parent defines
        MIDDLEWARE + "class M(CsrfViewMiddleware):\n    def _our_own(self): ...",
    ],
)
def test_the_check_lets_public_uses_through(source):
    assert private_uses(source) == []
