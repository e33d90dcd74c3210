"""Small deterministic builders shared by the tests."""

from __future__ import annotations

import datetime as dt

# The day the demo-based tests live on (the clock moves on from it): the demo seeded that day has
# 2026 Q4 open (9 Nov – 7 Dec) and 2026 Q2 and 2026 Q3 released, so names and states are fixed.
DEMO_DAY = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)
