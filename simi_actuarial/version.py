"""The package version (one definition: the installed distribution's metadata, from
``pyproject.toml``)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("simi_actuarial")
except PackageNotFoundError:  # a source tree that is not installed
    __version__ = "0+unknown"
