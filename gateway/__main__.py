"""`python -m gateway` runs the `eugw` command line."""

from gateway.cli import main

if __name__ == "__main__":  # not again in a worker process started by spawn
    raise SystemExit(main())
