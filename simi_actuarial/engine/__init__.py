"""Monte Carlo engine: random streams, claim generation, compiled kernels, tallies."""
