"""Our code uses Django through its public API only, so a Django upgrade cannot silently break it.

Every Python file of the project is read with ``ast`` (nothing is imported): a name imported from
``django…`` that starts with an underscore, a private ``django`` module (a dotted part starting
with one), or an attribute that is one of Django's private internals the survey once leaned on
is refused, with its file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Not ours: environments, collected static files, uploads, caches.
SKIPPED_DIRS = {"node_modules", "staticfiles", "media", "screenshots", "__pycache__"}
# Private internals of Django found on our request path before (compiler converters, the delete
# collector's fast path, the CSRF middleware's origin check): named, since an attribute's owner
# is unknown to a syntax tree.
PRIVATE_ATTRIBUTES = {"get_converters", "can_fast_delete", "_origin_verified"}


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


def _private_module(module: str) -> bool:
    return any(part.startswith("_") for part in module.split("."))


def private_uses(source: str) -> list[tuple[int, str]]:
    """(line, what) for each use of a private Django name in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
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
        elif isinstance(node, ast.Attribute) and node.attr in PRIVATE_ATTRIBUTES:
            found.append((node.lineno, f".{node.attr}"))
        elif (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name in PRIVATE_ATTRIBUTES
        ):
            found.append((node.lineno, f"def {node.name} (an override)"))
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


@pytest.mark.parametrize(
    "source",
    [
        "from django.middleware.csrf import _get_new_csrf_string",
        "from django.utils._os import safe_join",
        "import django.utils._os",
        "compiler.get_converters(fields)",
        "Collector(using='default', origin=qs).can_fast_delete(qs)",
        "super()._origin_verified(request)",
        "class M(CsrfViewMiddleware):\n    def _origin_verified(self, request): ...",
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
    ],
)
def test_the_check_lets_public_uses_through(source):
    assert private_uses(source) == []
