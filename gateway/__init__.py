"""eu-gateway: a message broker between national asylum databases and Eurodac / DubliNet."""

__version__ = "0.1.0"

__all__ = ["__version__"]
