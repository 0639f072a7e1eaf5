"""simi_actuarial — Monte Carlo model of China's Serious Illness Medical Insurance fund."""

__version__ = "0.1.0"
