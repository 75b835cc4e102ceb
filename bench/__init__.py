"""Benchmarks: ``python -m bench generate`` loads a realistic dataset of any size, ``python -m bench run``
measures the running server on it next to the raw database floor and the peers' scan (see
docs/benchmarks.md)."""
