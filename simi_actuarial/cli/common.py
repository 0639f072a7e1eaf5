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
