"""`eugw message` and `eugw bench` as a user runs them."""

from __future__ import annotations

import argparse
import types
from pathlib import Path

import pytest
from test_cli import eugw

from gateway.bench import messages as bench
from gateway.bench import signing
from gateway.cli import build_parser
from gateway.cli import message as message_cli
from gateway.security.pki import KeyType

PROJECT = Path(__file__).resolve().parents[2]
TAKE_CHARGE = PROJECT / "mappings" / "samples" / "messages" / "take-charge-request.json"
GOLDEN = PROJECT / "tests" / "golden"


def test_types_lists_every_type() -> None:
    result = eugw("message", "types")
    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert "eurodac.enrolment" in names
    assert "dublinet.take-back-notification" in names
    assert len(names) == 25  # + eurodac.status (Art 10; Art 16) and eurodac.marking-notice


def test_build_then_validate_an_enrolment(canonical_samples: Path, tmp_path: Path) -> None:
    out = tmp_path / "enrolment.xml"
    built = eugw(
        "message", "build", "--type", "eurodac.enrolment",
        "--record", str(canonical_samples / "applicant-2026.json"), "--out", str(out),
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    assert b"<e:Enrolment" in out.read_bytes()
    checked = eugw("message", "validate", str(out))
    assert checked.returncode == 0, checked.stderr
    assert "valid eurodac.enrolment (2024/1358) from BE to EU" in checked.stdout


def test_build_a_take_charge_request_from_record_and_request() -> None:
    result = eugw(
        "message", "build", "--type", "dublinet.take-charge-request", "--record", str(TAKE_CHARGE)
    )
    assert result.returncode == 0, result.stderr
    assert "<d:TakeChargeRequest" in result.stdout
    assert "<c:Regime>2024/1351</c:Regime>" in result.stdout  # registered 15 September 2026


def test_build_refuses_an_unknown_type_and_a_misfit_record(canonical_samples: Path) -> None:
    unknown = eugw("message", "build", "--type", "eurodac.nope", "--record", "-", stdin="{}")
    assert unknown.returncode == 1
    assert unknown.stderr.startswith("GW-MSG-UNKNOWN-TYPE: ")
    misfit = eugw(
        "message", "build", "--type", "eurodac.search",
        "--record", str(canonical_samples / "applicant-2026.json"),
    )  # fmt: skip
    assert misfit.returncode == 1
    assert misfit.stderr.startswith("GW-MSG-CONTENT: ")
    assert "(at transaction.operation)" in misfit.stderr


def test_validate_reports_code_sentence_and_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    golden = (GOLDEN / "dublinet.reply.2024-1351.xml").read_bytes()
    bad.write_bytes(golden.replace(b">reject<", b">perhaps<"))
    result = eugw("message", "validate", str(bad))
    assert result.returncode == 1
    assert result.stderr.startswith("GW-VAL-SCHEMA: ")
    assert result.stderr.rstrip().endswith("(at /Reply/Outcome)")
    assert "Traceback" not in result.stderr


def test_validate_refuses_an_external_entity_and_a_large_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("SECRET", encoding="utf-8")
    attack = tmp_path / "xxe.xml"
    attack.write_text(
        f'<!DOCTYPE a [<!ENTITY x SYSTEM "file://{secret}">]><a>&x;</a>', encoding="utf-8"
    )
    result = eugw("message", "validate", str(attack))
    assert result.returncode == 1
    assert result.stderr.startswith("GW-XML-ENTITY: ")
    assert "SECRET" not in result.stdout + result.stderr
    large = eugw(
        "message", "validate", str(GOLDEN / "eurodac.enrolment.2024-1358.xml"),
        env={"EUGW_MAX_XML_BYTES": "512"},
    )  # fmt: skip
    assert large.returncode == 1
    assert large.stderr.startswith("GW-XML-TOO-LARGE: ")


def test_the_message_group_takes_subcommands_from_extensions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def register_subcommands(
        subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    ) -> None:
        sign = subparsers.add_parser("sign", description="sign a message")
        sign.add_argument("file")
        sign.set_defaults(run=lambda args: 0)

    extension = types.SimpleNamespace(register_subcommands=register_subcommands)
    monkeypatch.setattr(message_cli, "EXTENSIONS", (extension,))
    args = build_parser("message").parse_args(["message", "sign", "m.xml"])
    assert args.file == "m.xml"
    assert args.run(args) == 0


def test_bench_measures_every_stage_and_the_floor() -> None:
    ticks = iter(range(1000))  # the warm-up run takes the first ticks
    report = bench.measure(23, timer=lambda: float(next(ticks)))
    assert [r.name for r in report.stages] == [
        "build", "validate", "serialize", "parse", "validate inbound", "read",
    ]  # fmt: skip
    assert all(r.count == 23 and r.seconds == 1.0 for r in report.stages)
    assert [floor.name for floor, _ in report.floors] == ["lxml parse + validate"]
    text = bench.format_report(report)
    assert "23 messages" in text
    assert "= 50 % of the floor" in text  # one tick for the floor, two for its two stages


def test_signing_stages_go_where_the_pipeline_signs_and_verifies() -> None:
    pipeline, floor_list = bench.stages(), bench.floors()
    signing.add_signatures(pipeline, floor_list, key_type=KeyType.EC)
    names = [stage.name for stage in pipeline]
    assert names == [
        "build", "validate", "sign", "serialize", "parse", "validate inbound", "verify", "read",
    ]  # fmt: skip
    report = bench.measure(3, pipeline=pipeline, floor_list=floor_list)
    assert [result.count for result in report.stages] == [3] * len(names)
    assert [floor.name for floor, _ in report.floors][-1] == signing.FLOOR_NAME


def test_bench_command_prints_messages_per_second() -> None:
    result = eugw("bench", "messages", "--count", "30", "--key-type", "ec")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "30 messages"
    assert any(line.startswith("sign ") for line in lines)
    assert any(line.startswith("verify ") for line in lines)
    assert sum("% of the floor" in line for line in lines) == 2
    assert eugw("bench", "messages", "--count", "0").returncode == 2


def test_build_signs_with_the_active_key_and_the_signature_verifies(
    canonical_samples: Path, tmp_path: Path
) -> None:
    pki = tmp_path / "pki"
    assert eugw("certs", "init", str(pki)).returncode == 0
    signed = tmp_path / "signed.xml"
    built = eugw(
        "message", "build", "--type", "eurodac.enrolment", "--sign", "--out", str(signed),
        "--record", str(canonical_samples / "applicant-2026.json"),
        env={"EUGW_DATA_DIR": str(pki)},
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    assert b"<ds:Signature" in signed.read_bytes()
    assert eugw("message", "validate", str(signed)).returncode == 0
    verified = eugw(
        "message", "verify", str(signed), "--peer", "BE:gateway",
        "--trust", str(pki / "trust"),
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr
