"""Arguments shared by several sub-commands."""

from __future__ import annotations


def add_set_option(parser) -> None:
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
        help="override a scenario field, e.g. --set simi.schedules.general.starting_line=9000 "
        "(repeatable; values are YAML)",
    )


def add_mc_options(parser) -> None:
    """--paths, --seed, --threads, --batch-paths."""
    parser.add_argument("--paths", type=_positive_int, default=None,
                        help="Monte Carlo paths (default: scenario simulation.paths)")
    parser.add_argument("--seed", type=_nonneg_int, default=None,
                        help="random seed (default: scenario simulation.seed)")
    parser.add_argument("--threads", type=_positive_int, default=None,
                        help="worker threads (default: all cores); results do not depend on it")
    parser.add_argument("--batch-paths", type=_positive_int, default=None,
                        help="paths per batch (default: scenario simulation.batch_paths)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _positive_int(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _nonneg_int(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"expected an integer in [0, 2**63), got {text!r}")
    return value


def format_table(frame, columns: list[tuple[str, str, str]]) -> str:
    """Fixed-width table: columns are (source column, header, format spec)."""
    headers = [h for _, h, _ in columns]
    rows = [[_cell(row[c], f) for c, _, f in columns] for row in frame.to_dict("records")]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def _cell(value, spec: str) -> str:
    if isinstance(value, str):
        return value
    if value != value:  # NaN
        return "nan"
    if spec == "d":
        return str(int(value))
    return format(value, spec)


def add_scale_options(parser) -> None:
    """--backend, --dask local:N | --scheduler tcp://HOST:PORT, --retries."""
    g = parser.add_argument_group("scale-out (results are identical on any of them)")
    g.add_argument("--backend", choices=["cpu", "cuda"], default="cpu",
                   help="claims kernel: cpu (numba, all cores) or cuda (NVIDIA GPU via numba; "
                   "needs the 'cuda' extra)")
    where = g.add_mutually_exclusive_group()
    where.add_argument("--dask", metavar="local:N", type=_local_cluster, default=None,
                       help="run batches of paths on a new local Dask cluster of N processes")
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT", default=None,
                       help="run batches of paths on an existing Dask cluster")
    g.add_argument("--retries", type=_nonneg_int, default=None,
                   help="retries of a failed Dask task (default 2); a batch lost with its "
                   "worker is recomputed regardless")


def open_executor_from_args(args):
    """Context manager yielding ``(executor, info)`` for the options of
    :func:`add_scale_options` (``executor`` is None for a plain local CPU run)."""
    from ..distributed.executor import DEFAULT_RETRIES, open_executor

    retries = DEFAULT_RETRIES if args.retries is None else args.retries
    return open_executor(args.backend, local=args.dask, scheduler=args.scheduler,
                         retries=retries, threads=args.threads)


def _local_cluster(text: str) -> int:
    import argparse

    from ..distributed.executor import parse_local

    try:
        return parse_local(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


#: ``--engine`` choices (as :data:`simi_actuarial.engine.simulate.ENGINES`; not imported
#: here so that ``simi --help`` does not load the compiled engine).
ENGINE_CHOICES = ("micro", "proxy")
#: ``--proxy-*`` options: (option, field of ProxyDesign, type, help).
PROXY_OPTIONS = (
    ("--proxy-grid-points", "grid_points", int,
     "cost-factor grid points per year (default 11, >= 4)"),
    ("--proxy-inner-multiple", "inner_multiple", float,
     "inner claimants per grid point as a multiple of the year's expected claimants "
     "(default 4)"),
    ("--proxy-min-inner", "min_inner", int,
     "at least this many inner claimants per grid point (default 200000)"),
)


ENGINE_HELP = ("micro (default): simulate every claimant of every path; proxy: estimate "
               "each path-year's conditional moments once by inner microsimulations on a "
               "cost-factor grid, then draw every path from them (much faster for many "
               "paths; its error is measured by --check-micro on `simi run`; see "
               "docs/performance.md)")


def add_engine_options(parser, design: bool = True, help: str = ENGINE_HELP) -> None:
    """``--engine {micro,proxy}`` and (``design``) the proxy's main design knobs."""
    g = parser.add_argument_group("engine")
    g.add_argument("--engine", choices=ENGINE_CHOICES, default=None, help=help)
    if design:
        for option, _field, kind, text in PROXY_OPTIONS:
            g.add_argument(option, type=kind, default=None, help=f"with --engine proxy: {text}")


def engine_from_args(args, recorded: dict | None = None, command: str = "simi"):
    """``(engine, design)`` from :func:`add_engine_options`: the options given, else the
    ``recorded`` run's (``{"engine": ..., "proxy": {design fields}}``), else micro.
    Raises :class:`~simi_actuarial.errors.SimiInputError` (exit 2) naming the option for
    a proxy option without ``--engine proxy`` or a value the proxy's design refuses."""
    from ..errors import SimiInputError

    recorded = recorded or {}
    engine = getattr(args, "engine", None) or recorded.get("engine") or "micro"
    given = {field: getattr(args, option[2:].replace("-", "_"), None)
             for option, field, _k, _t in PROXY_OPTIONS}
    given = {k: v for k, v in given.items() if v is not None}
    if engine != "proxy":
        if given:
            names = [o for o, f, _k, _t in PROXY_OPTIONS if f in given]
            raise SimiInputError(command, [(names[0], "needs --engine proxy")])
        return engine, None
    import dataclasses

    from ..engine.proxy.design import ProxyDesign

    fields = {f.name for f in dataclasses.fields(ProxyDesign)}
    base = {k: v for k, v in (recorded.get("proxy") or {}).items() if k in fields}
    try:
        return engine, ProxyDesign(**{**base, **given})
    except (TypeError, ValueError) as exc:
        names = [o for o, f, _k, _t in PROXY_OPTIONS if f in str(exc)] or ["--engine proxy"]
        raise SimiInputError(command, [(names[0], str(exc))]) from None
