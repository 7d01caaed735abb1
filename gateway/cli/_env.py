"""The secrets commands read from the environment, each under one name.

`EUGW_TOKEN` is the gateway API token of the commands that call a running
gateway (`eugw submit`, `eugw sim scenario`); `EUGW_SIMULATOR_CONTROL_TOKEN` is
the bearer token of the simulators' control API (`eugw sim run` and the other
`eugw sim` commands, and the gateway's console, which reads the same variable as
its `simulator_control_token` setting). Their old names, `EU_GATEWAY_TOKEN` and
`EUGW_SIM_TOKEN`, are still read, with a deprecation warning on standard error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TextIO

__all__ = ["CONTROL_TOKEN", "TOKEN", "from_environment"]

TOKEN = "EUGW_TOKEN"  # noqa: S105 - the name of a variable, not a secret
CONTROL_TOKEN = "EUGW_SIMULATOR_CONTROL_TOKEN"  # noqa: S105 - likewise
_OLD_NAMES = {TOKEN: ("EU_GATEWAY_TOKEN",), CONTROL_TOKEN: ("EUGW_SIM_TOKEN",)}


def from_environment(
    name: str, environ: Mapping[str, str] | None = None, err: TextIO | None = None
) -> str:
    """The value of variable `name`, else of its old name (saying so), else empty."""
    variables = os.environ if environ is None else environ
    if variables.get(name):
        return variables[name]
    for old in _OLD_NAMES.get(name, ()):
        if variables.get(old):
            (err or sys.stderr).write(
                f"eugw: warning: ${old} is deprecated and will stop being read: "
                f"set ${name} instead\n"
            )
            return variables[old]
    return ""
