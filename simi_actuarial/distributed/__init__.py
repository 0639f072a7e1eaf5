"""Scale-out: batches of paths on a Dask cluster, grids of scenarios (sweeps)."""

from .executor import DaskExecutor, dask_client, open_executor
from .sweep import grid_points, parse_grid, run_sweep

__all__ = ["DaskExecutor", "dask_client", "grid_points", "open_executor", "parse_grid",
           "run_sweep"]
