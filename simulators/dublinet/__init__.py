"""Simulated DubliNet national access points of other member states."""
