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
