"""Morbidity: hospitalisation, admissions, hospital levels, costs (see config)."""

from .config import MorbidityConfig
from .resolve import MorbidityArrays, resolve_morbidity

__all__ = ["MorbidityArrays", "MorbidityConfig", "resolve_morbidity"]
