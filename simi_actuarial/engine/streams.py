"""Reserved stream identifiers.

Claim draws use ``stream_key(seed, path, year, cell)`` with ``cell`` the population cell
index (< 2**32). Other random quantities use reserved cell numbers above that range so that
no two purposes ever share a stream.
"""

SYSTEMATIC_CELL = 2**40 + 1
COUNTS_STREAM = 7  # extra SeedSequence word for the per-(path, year) claimant counts
