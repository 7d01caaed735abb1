"""Benchmarks of the gateway's hot paths, each measured against a bare-library floor."""
