"""Every error code the simulators use is in the gateway's catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import simulators
from gateway.errors import ERROR_CODES

CODE = re.compile(r"\"(GW-[A-Z]+(?:-[A-Z]+)*)\"")


def test_every_code_used_by_the_simulators_is_in_the_catalogue() -> None:
    package = Path(simulators.__file__).parent
    used = {
        code
        for source in package.rglob("*.py")
        for code in CODE.findall(source.read_text(encoding="utf-8"))
    }
    assert "GW-SIM-WRONG-SENDER" in used
    assert used - ERROR_CODES.keys() == set()
