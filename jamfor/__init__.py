"""jamfor: Öppna jämförelser and SKR insats indicators for Apache Superset.

Everything jamfor installs imports under this one name: ``jamfor.seed`` (sources -> warehouse),
``jamfor.superset`` (everything that talks to Superset) and ``jamfor.cli`` (the command line).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("jamfor")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
