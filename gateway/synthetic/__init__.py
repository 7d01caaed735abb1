"""Synthetic data for the demo, the tests and the benchmarks: `biometrics`, `persons`, `exports`."""
