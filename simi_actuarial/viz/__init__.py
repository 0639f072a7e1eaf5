"""Publication-grade plots of simulation results (matplotlib, headless).

Every function takes the tables a run writes (``summary.csv``, ``paths.parquet``) or the
tables of :mod:`simi_actuarial.compare` / :mod:`simi_actuarial.sensitivity`, and returns a
:class:`matplotlib.figure.Figure` built without ``pyplot`` (no display, no global state).
Save it with :func:`save_figure` (atomic) or embed it with :func:`png_bytes`.

One module per plot family:

* :mod:`.balance` — fan chart of the accumulated balance;
* :mod:`.deficit` — P(deficit) by year, exhaustion-year histogram;
* :mod:`.payers` — payer composition of total cost by year;
* :mod:`.financing` — required financing standard vs risk tolerance α;
* :mod:`.reform` — paired reform deltas with confidence intervals;
* :mod:`.population` — population pyramid over time;
* :mod:`.tornado` — sensitivity tornado;
* :mod:`.backtest` — backtest errors against published figures.
"""

from .backtest import backtest_errors
from .balance import fan_chart
from .deficit import deficit_probability, exhaustion_histogram, exhaustion_years
from .financing import financing_curve, required_financing_vs_alpha
from .payers import payer_composition
from .population import population_pyramid
from .reform import reform_deltas
from .style import png_bytes, save_figure
from .tornado import tornado

__all__ = [
    "backtest_errors",
    "deficit_probability",
    "exhaustion_histogram",
    "exhaustion_years",
    "fan_chart",
    "financing_curve",
    "payer_composition",
    "png_bytes",
    "population_pyramid",
    "reform_deltas",
    "required_financing_vs_alpha",
    "save_figure",
    "tornado",
]
