"""The `eugw` command as a user runs it: a real process, its output and exit status."""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from eugw_process import child_env
from eugw_process import run_eugw as eugw

import gateway.cli
from gateway.cli import COMMANDS, build_parser


def test_version() -> None:
    result = eugw("version")
    assert result.returncode == 0
    assert result.stdout.startswith("eugw ")


def _subcommands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction[Any]:
    return next(
        a for a in parser._actions if isinstance(a, argparse._SubParsersAction) and a.choices
    )


def test_every_command_has_help() -> None:
    parser = build_parser(every=True)
    subparsers = _subcommands(parser)
    assert len(subparsers.choices) >= len(COMMANDS)
    for name, command in subparsers.choices.items():
        assert command.description, name
        assert command.format_help().startswith(f"usage: eugw {name}")


def test_the_lazy_table_names_every_command_with_its_own_help() -> None:
    """`eugw --help` shows COMMANDS without importing the modules: the table must say what
    the modules register, and name every module of gateway.cli that registers commands."""
    full = {
        action.dest: action.help
        for action in _subcommands(build_parser(every=True))._choices_actions
    }
    assert full == {name: help_text for name, (_, help_text) in COMMANDS.items()}
    for name in COMMANDS:  # its module registers it in full (a stand-in has no description)
        assert _subcommands(build_parser(name)).choices[name].description, name
    modules = {
        info.name
        for info in pkgutil.iter_modules(gateway.cli.__path__)
        if not info.name.startswith("_")
        and hasattr(importlib.import_module(f"gateway.cli.{info.name}"), "register")
    }
    assert modules <= {module for module, _ in COMMANDS.values()}


def test_help_and_errors_import_no_command_module() -> None:
    """`eugw --help` and `eugw errors` stay quick: no command's module (they import the
    gateway's libraries) is loaded for them."""
    probe = (
        "import contextlib, sys; from gateway.cli import main\n"
        "with contextlib.suppress(SystemExit): main(sys.argv[1:])\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('gateway.cli.')\n"
        "                and not m.startswith('gateway.cli._')); "
        "print(loaded, file=sys.stderr); heavy = {'aiohttp', 'lxml', 'structlog', 'yaml'}; "
        "print(sorted(heavy & set(sys.modules)), file=sys.stderr)"
    )
    for args in (["--help"], ["errors"]):
        result = subprocess.run(
            [sys.executable, "-c", probe, *args], capture_output=True, text=True, check=False,
            timeout=60, env=child_env(),
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        *_, loaded, heavy = result.stderr.splitlines()
        assert loaded == ("['gateway.cli.info']" if args == ["errors"] else "[]")
        assert heavy == "[]"


@pytest.mark.parametrize(
    "command",
    [
        "queue", "tokens", "check-record", "serve", "demo", "store", "audit", "message", "bench",
        "hits", "deadlines", "submit", "map", "merge", "sample", "certs", "sim",
    ],
)  # fmt: skip
def test_a_commands_help_does_not_wait_for_the_gateway_to_be_built(command: str) -> None:
    """The commands that open the gateway import it when they run, not for their --help."""
    probe = (
        "import contextlib, sys; from gateway.cli import main\n"
        "with contextlib.suppress(SystemExit): main(sys.argv[1:])\n"
        "heavy = {'gateway.app', 'aiohttp', 'psycopg', 'lxml'}\n"
        "print(sorted(heavy & set(sys.modules)), file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, command, "--help"], capture_output=True, text=True,
        check=False, timeout=60, env=child_env(),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "usage: eugw" in result.stdout
    assert result.stderr.splitlines()[-1] == "[]"


def test_the_three_problems_of_the_issue(canonical_samples: Path) -> None:
    result = eugw("check-record", str(canonical_samples / "refused-minor-bad-codes.json"))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(
        line.startswith("GW-VAL-NATIONAL-NUMBER: ")
        and line.endswith("(at application.identifiers.national_number)")
        for line in lines
    )
    assert any(
        line.startswith("GW-VAL-MINIMUM-AGE: ") and line.endswith("(at person.birth_date)")
        for line in lines
    )
    assert any(
        line.startswith("GW-VAL-COUNTRY-CODE: ") and line.endswith("(at person.nationalities[1])")
        for line in lines
    )
    assert "Traceback" not in result.stderr


def test_json_report(canonical_samples: Path) -> None:
    result = eugw("check-record", "--json", str(canonical_samples / "refused-minor-bad-codes.json"))
    report = json.loads(result.stdout)
    assert result.returncode == 1
    assert report["valid"] is False
    assert {p["path"] for p in report["problems"]} == {
        "application.identifiers.national_number",
        "person.birth_date",
        "person.nationalities[1]",
    }


def test_a_valid_record_exits_zero(canonical_samples: Path) -> None:
    result = eugw("check-record", str(canonical_samples / "applicant-2026.json"))
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().endswith(": valid")


@pytest.mark.parametrize(
    ("stdin", "code"),
    [("{not json", "GW-IN-JSON"), ("[]", "GW-VAL-TYPE")],
)
def test_bad_input_on_stdin(stdin: str, code: str) -> None:
    result = eugw("check-record", "-", stdin=stdin)
    assert result.returncode == 1
    assert code in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_file_is_bad_input() -> None:
    result = eugw("check-record", "/nonexistent/record.json")
    assert result.returncode == 1
    assert result.stderr.startswith("GW-IN-FILE: cannot read the file")


def test_bad_usage_exits_two() -> None:
    assert eugw("check-record").returncode == 2
    assert eugw("no-such-command").returncode == 2
    assert eugw().returncode == 2


def test_bad_configuration_exits_two_and_names_the_variable(canonical_samples: Path) -> None:
    result = eugw(
        "check-record",
        str(canonical_samples / "applicant-2026.json"),
        env={"EUGW_LOG_LEVEL": "loud"},
    )
    assert result.returncode == 2
    assert result.stderr.startswith("GW-CFG-INVALID: ")
    assert "EUGW_LOG_LEVEL" in result.stderr


def test_errors_lists_the_catalogue() -> None:
    result = eugw("errors", "--json")
    assert result.returncode == 0
    assert "GW-VAL-NATIONAL-NUMBER" in json.loads(result.stdout)
