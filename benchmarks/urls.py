"""The app's URLs plus the floors, mounted only when the benchmark serves the app."""

from __future__ import annotations

from django.urls import include, path

from benchmarks import floor_views

urlpatterns = [
    path("bench/trivial/", floor_views.floor_trivial),
    path("bench/insert/", floor_views.floor_insert),
    path("bench/insert-many/", floor_views.floor_insert_many),
    path("", include("leadership.urls")),
]
