"""Dates as Pillars writes them in English ("27 Dec 2026, 18:00"): templates name these formats
(``|date:"SHORT_DATE_FORMAT"``) so every language writes dates its own way."""

DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
