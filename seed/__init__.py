"""Seeding side of jamfor: sources -> validated frames -> one transaction -> derived tables."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("jamfor")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
