"""Bad input never reaches a 500: the three inputs an attacker with a token found (a Unicode
digit, 10^20, JSON nested a million levels), and their neighbours, on every kind of route."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from console_rig import log_in
from eugw_process import eugw
from web_rig import Rig, api_rig

from gateway.broker.access import Role

DEEP = b"[" * 1_000_000 + b"]" * 1_000_000
DEEP_OBJECT = b'{"a":' * 200_000 + b"1" + b"}" * 200_000


async def _problem(rig: Rig, method: str, path: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    token = await rig.token(Role.ADMIN, name=f"admin-{len(path)}")
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"k-{method}-{path}"}
    if isinstance(kwargs.get("data"), bytes):  # aiohttp warns of large bytes
        kwargs["data"] = io.BytesIO(kwargs["data"])
    response = await rig.client.request(method, path, headers=headers, **kwargs)
    return response.status, await response.json(content_type=None)


@pytest.mark.parametrize(
    ("within", "code"),
    [
        ("²", "GW-DL-WITHIN"),  # str.isdigit() says yes; int() refuses: it was a 500
        ("١٢", "GW-DL-WITHIN"),  # int() reads 12: not ours to accept either
        ("100000000000000000000", "GW-DL-WITHIN"),  # 10^20 days: an OverflowError, a 500
        ("10^20", "GW-DL-WITHIN"),
        ("9" * 5000, "GW-DL-WITHIN"),
    ],
)
async def test_a_deadline_horizon_that_is_not_a_small_ascii_number_is_a_400(
    tmp_path: Path, within: str, code: str
) -> None:
    async with api_rig(tmp_path) as rig:
        status, problem = await _problem(rig, "GET", "/v1/deadlines", params={"within": within})
    assert status == 400
    assert problem["code"] == code
    assert problem["problems"] == [{"code": code, "message": problem["detail"], "path": "within"}]


async def test_the_command_line_refuses_the_same_horizon(tmp_path: Path) -> None:
    status, _, errors = await eugw(
        "deadlines", "due", "--within", "100000000000000000000", data_dir=tmp_path
    )
    assert (status, errors.strip()) == (1, "GW-DL-WITHIN: --within is 0 to 3660 days (at --within)")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/cases", DEEP),
        ("POST", "/v1/hits/h-1/confirm", DEEP),
        ("POST", "/v1/cases/c-1/events", DEEP_OBJECT),
        ("POST", "/v1/cases/c-1/messages", DEEP),
    ],
)
async def test_json_nested_a_million_levels_is_refused_before_decoding(
    tmp_path: Path, method: str, path: str, body: bytes
) -> None:
    async with api_rig(tmp_path) as rig:
        status, problem = await _problem(rig, method, path, data=body)
    assert (status, problem["code"]) == (400, "GW-JSON-TOO-DEEP")


async def test_a_deep_submission_is_refused_with_its_code(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        canonical = await _problem(rig, "POST", "/v1/submissions", data=DEEP)
        evibel = await _problem(rig, "POST", "/v1/submissions?source=evibel", data=DEEP)
    assert canonical[0] == 422
    assert [p["code"] for p in canonical[1]["problems"]] == ["GW-JSON-TOO-DEEP"]
    assert evibel[0] in {400, 422}
    assert "GW-JSON-TOO-DEEP" in json.dumps(evibel[1])


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/v1/messages?limit=%C2%B2", "limit"),
        ("/v1/messages?offset=%F0%9D%9F%97", "offset"),
        ("/v1/messages?since=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96-01-01T00:00:00Z", "since"),
        ("/v1/messages?since=0001-01-01T00:00:00%2B01:00", "since"),
        ("/v1/messages?peer=EU%00", "peer"),
        ("/v1/messages?state=queued&state=dead", "state"),
        ("/v1/hits?limit=1001", "limit"),
        ("/v1/cases?open=maybe", "open"),
        ("/v1/inbox?limit=-1", "limit"),
        ("/v1/batches/b-1?rejections_offset=100000000000000000000", "rejections_offset"),
        ("/v1/messages/m%00-1", "message_id"),
        ("/v1/submissions/" + "s" * 201, "submission_id"),
    ],
)
async def test_every_parameter_is_parsed_strictly(tmp_path: Path, path: str, name: str) -> None:
    async with api_rig(tmp_path) as rig:
        status, problem = await _problem(rig, "GET", path)
    assert status == 400, problem
    assert problem["code"].startswith("GW-")
    assert problem["problems"][0]["path"] == name


async def test_a_huge_number_in_a_body_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        digits = await _problem(
            rig, "POST", "/v1/hits/h-1/reject", data=b'{"reason": ' + b"9" * 5000 + b"}"
        )
        escorts = await _problem(
            rig,
            "POST",
            "/v1/cases/c-1/messages",
            json={
                "type": "transfer-arrangement",
                "transfer_date": "2026-03-02",
                "arrival_place": "Brussels",
                "escorts": 10**30,
            },
        )
    # json refuses more than 4300 digits unless the process lifted that limit (a library may)
    assert (digits[0], digits[1]["code"]) in {(400, "GW-IN-JSON"), (400, "GW-HIT-VERDICT")}
    assert escorts[0] == 400
    assert {p["path"] for p in escorts[1]["problems"]} == {"escorts"}


async def test_console_pages_take_the_same_hostile_values_without_a_500(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        secret = await rig.token(Role.OPERATOR, Role.AUDITOR)
        await log_in(rig.client, secret)
        answers = {
            path: (await rig.client.get(path, allow_redirects=False)).status
            for path in (
                "/console/messages?hours=%C2%B2",
                "/console/messages?offset=%D9%A1%D9%A2",
                "/console/audit?before=%C2%B2",
                "/console/audit?before=99999999999999999999999999",
                "/console/messages?hours=99999999999999",
                "/console/login?next=%00",
            )
        }
    assert answers == {
        "/console/messages?hours=%C2%B2": 400,
        "/console/messages?offset=%D9%A1%D9%A2": 400,
        "/console/audit?before=%C2%B2": 400,
        "/console/audit?before=99999999999999999999999999": 200,  # from the newest entry
        "/console/messages?hours=99999999999999": 200,  # as far back as it goes
        "/console/login?next=%00": 400,
    }
