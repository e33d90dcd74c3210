from __future__ import annotations

from typing import TYPE_CHECKING

from leadership.roles import user_is_hr

if TYPE_CHECKING:
    from django.http import HttpRequest


def roles(request: HttpRequest) -> dict[str, bool]:
    return {"is_hr": user_is_hr(getattr(request, "user", None))}
