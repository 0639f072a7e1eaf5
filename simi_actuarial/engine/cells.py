"""Population cells: single age (0..100+) x sex x insured group.

Cell index ``c = (group * 2 + sex) * N_AGES + age``. Insured persons per cell and year are
the projected insured by age and sex times the group share of that year, rounded to whole
persons.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

N_AGES = 101
N_SEXES = 2


@dataclass(frozen=True)
class CellLayout:
    """Static attributes of each cell and insured persons per (year, cell)."""

    age: np.ndarray     # (C,) int64
    sex: np.ndarray     # (C,) int64
    group: np.ndarray   # (C,) int64
    insured: np.ndarray  # (Y, C) int64

    @property
    def n_cells(self) -> int:
        return int(self.age.shape[0])


def build_cells(insured_age_sex: np.ndarray, group_share: np.ndarray) -> CellLayout:
    """Cells from insured ``(Y, 101, 2)`` and group shares ``(Y, G)``."""
    Y, G = group_share.shape
    idx = np.arange(G * N_SEXES * N_AGES)
    age = idx % N_AGES
    sex = (idx // N_AGES) % N_SEXES
    group = idx // (N_AGES * N_SEXES)
    counts = insured_age_sex[:, age, sex] * group_share[:, group]
    return CellLayout(
        age=age.astype(np.int64), sex=sex.astype(np.int64), group=group.astype(np.int64),
        insured=np.rint(counts).astype(np.int64),
    )
