"""Superset's alerts and report schedules as code (reports/*.yaml)."""
