from __future__ import annotations

import re
from pathlib import Path

import pytest

import gateway
from gateway.domain.problems import Problem
from gateway.errors import ERROR_CODES, ConfigError, GatewayError, InputError

PACKAGE = Path(gateway.__file__).parent
CODE = re.compile(r"\"(GW-[A-Z]+(?:-[A-Z]+)*)\"")


def test_every_code_used_in_the_package_is_in_the_catalogue() -> None:
    used = {
        code
        for source in PACKAGE.rglob("*.py")
        if source.name != "errors.py"
        for code in CODE.findall(source.read_text(encoding="utf-8"))
    }
    assert used, "the pattern found no code at all"
    assert used - ERROR_CODES.keys() == set()


def test_codes_are_well_formed() -> None:
    for code in ERROR_CODES:
        assert re.fullmatch(r"GW-[A-Z]+(-[A-Z]+)*", code), code


def test_an_error_reads_code_sentence_path() -> None:
    error = GatewayError("GW-VAL-FORMAT", "not a date", "person.birth_date")
    assert str(error) == "GW-VAL-FORMAT: not a date (at person.birth_date)"
    assert str(GatewayError("GW-INTERNAL", "boom")) == "GW-INTERNAL: boom"


def test_an_input_error_carries_every_problem() -> None:
    problems = [
        Problem(code="GW-VAL-TYPE", message="expected string", path="a"),
        Problem(code="GW-VAL-REQUIRED", message="this field is required", path="b.c"),
    ]
    error = InputError.from_problems(problems)
    assert error.code == "GW-VAL-TYPE"
    assert error.problems == problems
    assert str(error).splitlines() == [
        "GW-VAL-TYPE: expected string (at a)",
        "GW-VAL-REQUIRED: this field is required (at b.c)",
    ]
    with pytest.raises(ValueError, match="at least one"):
        InputError.from_problems([])


def test_exit_codes() -> None:
    assert InputError("GW-IN-FILE", "x").exit_code == 1
    assert ConfigError("GW-CFG-INVALID", "x").exit_code == 2
