"""The README's commands, run as written, in order, on a copy of the sample data: each ends
with the exit status the README leads a reader to expect, so the README cannot drift.

Every line of the README's `sh` blocks is in `PLAN` (in the README's order), with its exit
status, or why it is not run here (it serves forever, it is a benchmark, it names a
placeholder, or another test runs it). A command added to the README or changed there
fails this test until the plan says what it does. The commands share one shell state
(`export` lines hold for the rest, as in a terminal) and one directory holding a copy of
`mappings/`; `.venv/bin/eugw` and `eugw` are this checkout's. `eugw serve` is started in
the background where the README starts it, on free ports (the only variables added).
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from eugw_process import child_env

from gateway.listen_ports import free_port

ROOT = Path(__file__).resolve().parents[2]
SERVE = "background"  # started, left running for the commands after it
SIMULATORS = "the simulators listen on fixed ports: tests/integration/test_sim_cli.py"
BENCH = "a benchmark, minutes long: tests/unit/test_bench*.py"
PLACEHOLDER = "names a placeholder"

# (command as the README writes it, comments and repeated blanks left out; its exit status,
# or why it is not run here)
PLAN: list[tuple[str, int | str]] = [
    ("make demo", "tests/acceptance/test_demo.py"),
    ("make test", "the whole check, of which this test is part"),
    (".venv/bin/eugw --help", 0),
    (".venv/bin/eugw check-record mappings/samples/canonical/applicant-2026.json", 0),
    (
        ".venv/bin/eugw check-record mappings/samples/canonical/refused-minor-bad-codes.json"
        " --json",
        1,
    ),
    (".venv/bin/eugw errors", 0),
    ("eugw certs init var", 0),
    ("export EUGW_DATA_DIR=var", 0),
    ("export EUGW_TOKEN=$(eugw tokens create --name evibel --role submitter)", 0),
    ("eugw serve", SERVE),
    ("eugw queue", 0),
    ("eugw queue list --state dead", 0),
    ("eugw queue show ID", PLACEHOLDER),
    ("eugw queue release --all-dead", 0),
    ("eugw audit verify", 0),
    ("eugw audit export --out audit.jsonl", 0),
    ("eugw store check", 0),
    ("eugw bench store", BENCH),
    ("eugw bench pipeline", BENCH),
    ("eugw bench pipeline --end-to-end --runs 5", BENCH),
    ("eugw bench pipeline --end-to-end --store sqlite,postgresql --runs 5", BENCH),
    ("eugw bench pipeline --end-to-end --store postgresql --gateways 2", BENCH),
    ("eugw bench pipeline --end-to-end --duration 600", BENCH),
    ("eugw audit verify", 0),
    ("eugw audit verify --checkpoints COPY [--checkpoints COPY2 ...]", PLACEHOLDER),
    ("eugw audit checkpoint", 0),
    ("eugw audit checkpoints", 0),
    ("eugw audit checkpoints --export FILE", PLACEHOLDER),
    (".venv/bin/eugw message types", 0),
    (
        ".venv/bin/eugw message build --type eurodac.enrolment --record "
        "mappings/samples/canonical/applicant-2026.json --out enrolment.xml",
        0,
    ),
    (
        ".venv/bin/eugw message build --type dublinet.take-charge-request --record "
        "mappings/samples/messages/take-charge-request.json",
        0,
    ),
    (".venv/bin/eugw message validate enrolment.xml", 0),
    (
        ".venv/bin/eugw message build --type eurodac.enrolment --record "
        "mappings/samples/canonical/applicant-2026.json --sign",
        0,
    ),
    (".venv/bin/eugw bench messages --count 5000", BENCH),
    (".venv/bin/eugw deadline --regime dublin3 --step take-charge-reply --from 2026-03-02", 0),
    (
        '{"deadline": "2026-05-04", "legal_basis": "Reg 604/2013 Art 22(1) and 22(7)", '
        '"effect_if_missed": "tacit acceptance: ...", ...}',
        "the output of the command above",
    ),
    (
        ".venv/bin/eugw deadline --regime auto --registered 2026-07-01 --step "
        "take-back-notification --from 2026-07-07 --hit",
        0,
    ),
    (
        ".venv/bin/eugw map --source evibel mappings/samples/evibel/applications.json "
        "> records.jsonl",
        0,
    ),
    (".venv/bin/eugw map --source evibel mappings/samples/evibel/applications.csv", 0),
    (
        ".venv/bin/eugw map --source waiting-register "
        "mappings/samples/waiting-register/invalid.csv --json",
        1,
    ),
    (
        ".venv/bin/eugw map --source waiting-register "
        "mappings/samples/waiting-register/extract.txt",
        0,
    ),
    (".venv/bin/eugw map --source printrak mappings/samples/printrak", 1),
    (
        ".venv/bin/eugw sample generate --count 1000 --seed 7 --out var/sample --invalid-rate 0.02",
        0,
    ),
    (".venv/bin/eugw merge var/sample --without-biometrics > persons.jsonl", 1),
    (".venv/bin/eugw sim run --certs var", SIMULATORS),
    (".venv/bin/eugw sim faults set NL tls=true", SIMULATORS),
    (".venv/bin/eugw sim inspect received", SIMULATORS),
    (
        ".venv/bin/eugw sim request --peer NL --type take-charge-request --reference NL-1",
        SIMULATORS,
    ),
    (
        ".venv/bin/eugw sim send --peer NL --request NL-1 --type reexamination-request "
        "--file r.json",
        SIMULATORS,
    ),
    (".venv/bin/eugw sim scenario --all", "tests/acceptance/test_sim_scenario_cli.py"),
    (".venv/bin/eugw sample generate --count 200 --out var/clean", 0),
    (
        'grep -E \'"code": "(VS|SB)"\' var/clean/actio/case-files.jsonl > var/granted.jsonl',
        0,
    ),
    (".venv/bin/eugw submit var/granted.jsonl --source actio", 0),
    (".venv/bin/eugw submit var/clean/actio/case-files.jsonl --source actio", 1),
    (".venv/bin/eugw merge var/clean --enrol > var/persons.jsonl", 0),
    (".venv/bin/eugw submit var/persons.jsonl --source canonical", 0),
    (".venv/bin/eugw certs init var/demo-pki", 0),
    (".venv/bin/eugw certs list var/demo-pki", 0),
    (
        "EUGW_DATA_DIR=var/demo-pki .venv/bin/eugw message sign enrolment.xml --out signed.xml",
        0,
    ),
    (
        ".venv/bin/eugw message verify signed.xml --trust var/demo-pki/trust --peer BE:gateway",
        0,
    ),
]


def readme_commands() -> list[tuple[str, str]]:
    """(command as the plan names it, the line as written) of every `sh` block, in order;
    a line ending in a backslash goes on with the next."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = []
    for block in re.findall(r"^```sh\n(.*?)^```", text, re.DOTALL | re.MULTILINE):
        for line in block.replace("\\\n", " ").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):  # not a comment's next line
                found.append((re.sub(r"\s+#\s.*$", "", " ".join(line.split())), line))
    return found


def test_the_plan_names_every_command_of_the_readme_in_its_order() -> None:
    assert [name for name, _ in readme_commands()] == [name for name, _ in PLAN]


@pytest.fixture
def checkout(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A directory as a fresh clone has it (the sample data, `.venv/bin/eugw`), and the
    environment a reader's shell starts with."""
    (tmp_path / "mappings").symlink_to(ROOT / "mappings", target_is_directory=True)
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "eugw").write_text(
        f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m gateway "$@"\n', encoding="utf-8"
    )
    (bin_dir / "eugw").chmod(0o755)
    env = child_env(
        {
            "EUGW_API_PORT": str(free_port()),
            "EUGW_INBOUND_PORT": str(free_port()),
            "EUGW_EURODAC_URL": f"https://localhost:{free_port()}/eurodac",  # nobody there
            "PYTHONPATH": str(ROOT),
        }
    )
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    return tmp_path, env


def _run(directory: Path, line: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The line in bash, in the shell state the lines before it left (`state.sh`)."""
    script = (
        "[ -f .state.sh ] && . ./.state.sh\n"
        f"{line}\n"
        "status=$?\n"
        "export -p > .state.sh\n"
        "exit $status\n"
    )
    return subprocess.run(
        ["/bin/bash", "-c", script], cwd=directory, env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip


def _serve(directory: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """`eugw serve` in the shell state so far, once it says where it listens."""
    process = subprocess.Popen(
        ["/bin/bash", "-c", ". ./.state.sh\nexec eugw serve"],
        cwd=directory, env={**env, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    watchdog = threading.Timer(60, process.kill)  # a serve that never starts fails the test
    watchdog.start()
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("eugw: API on"):
                return process
    finally:
        watchdog.cancel()
    pytest.fail(f"eugw serve did not start (exit {process.wait()})")


def test_the_readme_commands_run_as_written(checkout: tuple[Path, dict[str, str]]) -> None:
    directory, env = checkout
    plan = dict(enumerate(PLAN))
    served: subprocess.Popen[str] | None = None
    results = []
    try:
        for index, (name, line) in enumerate(readme_commands()):
            expected = plan[index][1]
            assert plan[index][0] == name
            if expected == SERVE:
                served = _serve(directory, env)
                continue
            if isinstance(expected, str):
                continue
            result = _run(directory, line, env)
            results.append((name, expected, result.returncode))
            assert result.returncode == expected, (
                f"{name}\nexit {result.returncode}, expected {expected}\n"
                f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
            )
            assert "Traceback" not in result.stderr, result.stderr
    finally:
        if served is not None:
            served.terminate()
            served.communicate(timeout=60)
    assert len(results) >= 40
