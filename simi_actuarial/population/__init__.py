"""Insured population by single age and sex, projected year by year."""

from ..scenario.population_schema import MortalityConfig, PopulationConfig
from .projection import PopulationProjection, project_population

__all__ = ["MortalityConfig", "PopulationConfig", "PopulationProjection", "project_population"]
