"""Dates as German readers write them ("27.12.2026, 18:00", "27. Dezember 2026")."""

DATE_FORMAT = "j. F Y"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y, H:i"
