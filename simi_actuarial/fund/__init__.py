"""Fund accounting: SIMI layer, insurer contract, the BMI fund that finances it."""

from .accounting import FundPaths, project_funds

__all__ = ["FundPaths", "project_funds"]
