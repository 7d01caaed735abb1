"""`python -m gateway` runs the `eugw` command line."""

from gateway.cli import main

raise SystemExit(main())
