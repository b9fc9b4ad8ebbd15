"""Seeding side of jamfor: sources -> validated frames -> one transaction -> derived tables."""
