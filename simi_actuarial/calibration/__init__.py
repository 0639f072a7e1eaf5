"""Calibration to published aggregates and the backtest.

``targets`` reads targets files, ``statistics`` extracts model statistics comparable with
published figures, ``fit`` is the simulated-method-of-moments fitter on common random
numbers, ``writer`` writes calibrated scenarios, ``backtest`` compares model and data.
"""

from .backtest import backtest, backtest_one
from .fit import FitResult, calibrate
from .statistics import STATISTICS, statistic
from .targets import TargetsError, TargetsFile, read_targets
from .writer import write_calibrated

__all__ = ["STATISTICS", "FitResult", "TargetsError", "TargetsFile", "backtest",
           "backtest_one", "calibrate", "read_targets", "statistic", "write_calibrated"]
