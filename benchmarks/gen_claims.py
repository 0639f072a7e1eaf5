"""Generate a synthetic claims extract for ``simi reimburse`` (streaming, seeded).

Usage::

    python benchmarks/gen_claims.py SCENARIO -n 10000000 -o /tmp/claims.csv [--seed 1]
        [--persons P]

Writes one row per admission with the columns ``person_id, group, hospital_level,
total_cost, in_scope_cost``. Admissions are assigned to ``P`` candidate persons uniformly
at random (default ``P = 0.3 n``, i.e. about ``0.29 n`` distinct persons with ~3.5
admissions each), so a person's admissions are scattered over the whole file: the file is
unsorted and persons span many chunks, which is the hard case for the reader. A person's
group is a function of the person id (drawn with the scenario's group shares of its first
year), so the file never contains conflicting groups. Costs are lognormal by hospital level
with a Pareto tail; in-scope share ~ Beta(8, 2). Memory is O(chunk), whatever ``n``.

The output is a deterministic function of (scenario, n, persons, seed): each block of
:data:`BLOCK` rows is drawn from its own ``numpy.random.Generator`` keyed by (seed, block).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

# Mean in-scope-plus-self-pay cost per admission by level (CNY; order of magnitude of
# published residents' inpatient costs around 2019) and the level mix of admissions.
LEVEL_MEAN = {"township": 2500.0, "primary": 4500.0, "secondary": 8000.0, "tertiary": 17000.0}
LEVEL_WEIGHT = {"township": 0.15, "primary": 0.20, "secondary": 0.35, "tertiary": 0.30}
SIGMA = 0.9          # lognormal body
TAIL_SHARE = 0.02    # share of admissions drawn from the Pareto tail
TAIL_ALPHA = 1.6     # Pareto index of the tail
TAIL_SCALE = 5.0     # tail starts at TAIL_SCALE x level mean
BLOCK = 1_000_000    # rows per random block (fixed: output does not depend on --chunk)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """Stateless 64-bit mixer (uint64 in, uint64 out)."""
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def person_groups(ids: np.ndarray, seed: int, cum_shares: np.ndarray) -> np.ndarray:
    """Group index of each person id: a fixed function of (seed, id)."""
    with np.errstate(over="ignore"):
        h = _splitmix64(ids.astype(np.uint64) ^ _splitmix64(np.full(1, seed, np.uint64)))
    u = (h >> np.uint64(11)).astype(np.float64) * 2.0**-53
    return np.minimum(np.searchsorted(cum_shares, u, side="right"), cum_shares.size - 1)


def generate_block(rng: np.random.Generator, n: int, persons: int, seed: int,
                   groups: list[str], cum_shares: np.ndarray, levels: list[str]) -> pd.DataFrame:
    """``n`` admissions as a DataFrame with the claims columns."""
    ids = rng.integers(0, persons, size=n)
    gidx = person_groups(ids, seed, cum_shares)
    w = np.array([LEVEL_WEIGHT.get(lv, 0.25) for lv in levels])
    lidx = rng.choice(len(levels), size=n, p=w / w.sum())
    mean = np.array([LEVEL_MEAN.get(lv, 8000.0) for lv in levels])[lidx]
    cost = mean * rng.lognormal(-0.5 * SIGMA**2, SIGMA, size=n)
    tail = rng.random(n) < TAIL_SHARE
    cost[tail] = TAIL_SCALE * mean[tail] * (1.0 + rng.pareto(TAIL_ALPHA, size=int(tail.sum())))
    total = np.round(np.maximum(cost, 50.0), 2)
    in_scope = np.minimum(np.round(total * rng.beta(8.0, 2.0, size=n), 2), total)
    return pd.DataFrame({
        "person_id": np.char.add("P", np.char.zfill(ids.astype(str), 9)),
        "group": np.asarray(groups, dtype=object)[gidx],
        "hospital_level": np.asarray(levels, dtype=object)[lidx],
        "total_cost": total,
        "in_scope_cost": in_scope,
    })


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from simi_actuarial.scenario.base import value_at
    from simi_actuarial.scenario.loader import load_scenario

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("scenario")
    p.add_argument("-n", "--admissions", type=int, required=True)
    p.add_argument("-o", "--out", required=True)
    p.add_argument("--persons", type=int, default=None,
                   help="candidate person ids (default 0.3 x admissions)")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)

    scenario = load_scenario(args.scenario)
    year = scenario.years[0]
    groups = list(scenario.groups)
    shares = np.array([value_at(g.share, year) for g in scenario.groups.values()], float)
    cum_shares = np.cumsum(shares / shares.sum())
    levels = list(scenario.hospital_levels)
    persons = args.persons or max(1, int(0.3 * args.admissions))

    t0 = time.perf_counter()
    done = 0
    with open(args.out, "w", encoding="utf-8", newline="") as f:
        f.write("person_id,group,hospital_level,total_cost,in_scope_cost\n")
        for block, start in enumerate(range(0, args.admissions, BLOCK)):
            n = min(BLOCK, args.admissions - start)
            rng = np.random.default_rng([args.seed, block])
            df = generate_block(rng, n, persons, args.seed, groups, cum_shares, levels)
            df.to_csv(f, header=False, index=False, float_format="%.2f", lineterminator="\n")
            done += n
    print(f"wrote {done:,} admissions ({persons:,} candidate persons) to {args.out} "
          f"in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
