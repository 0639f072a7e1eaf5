"""Reserved stream identifiers: every random quantity of the package names its stream here.

Claim draws use ``stream_key(seed, path, year, cell)`` with ``cell`` the population cell
index (< 2**32). Other random quantities use reserved cell numbers above that range so that
no two purposes ever share a stream. Host-side numpy generators are keyed by a
``SeedSequence`` ending in a tag below (the number of words also tells them apart).
"""

SYSTEMATIC_CELL = 2**40 + 1
COUNTS_STREAM = 7  # SeedSequence([seed, path, year, 7]): the claimant counts of a path-year
FINANCING_BOOTSTRAP_STREAM = 99  # SeedSequence([seed, 99]): paths resampled by solve.py
SENSITIVITY_BOOTSTRAP_STREAM = 7  # SeedSequence([seed, 7]): paths resampled by sensitivity.py
PROXY_INNER_CELL = 2**40 + 2  # stream_key(seed, 0, 0, .): the seed of the proxy's inner simulations
PROXY_NOISE_CELL = 2**40 + 3  # stream_key(seed, path, year, .): the proxy's process noise of a path-year
