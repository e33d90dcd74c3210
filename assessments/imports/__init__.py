"""Imports: responses (a wide CSV of answers)."""
