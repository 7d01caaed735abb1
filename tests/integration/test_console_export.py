"""Search and export over HTTP: messages by date range, type and direction with the filters
kept in the URL, each list (messages, cases, hits, audit) as CSV under the same filters,
values a spreadsheet would run written as text, and the XML exactly as signed."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

from console_rig import eurodac_hit, incoming_request, log_in, outgoing_case, reply
from web_rig import api_rig, new_message

from gateway.broker.access import Role
from gateway.ports import AuditFilter


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _export_link(page: str) -> str:
    found = re.search(r'href="([^"]*)" id="export"', page)
    assert found, "no export link"
    return unescape(found.group(1))


async def test_messages_are_searched_by_date_type_and_direction_and_exported(
    tmp_path: Path,
) -> None:
    async with api_rig(tmp_path) as rig:
        case = await outgoing_case(rig)
        reply_id = await reply(rig, case)
        await rig.queue(new_message(1, body=b"<x/>"))
        await rig.queue(replace(new_message(2), reference="=HYPERLINK(1)"))
        await log_in(rig.client, await rig.token(Role.OPERATOR))
        today = datetime.now(tz=UTC).date()
        tomorrow = today + timedelta(days=1)
        client = rig.client
        query = f"direction=inbound&type=dublinet.reply&from={today}&to={today}"
        page = await (await client.get(f"/console/messages?{query}")).text()
        export = _export_link(page)
        exported = await client.get(export)
        rows = _rows(await exported.text())
        later = await (await client.get(f"/console/messages?from={tomorrow}")).text()
        backwards = await client.get(f"/console/messages?from={tomorrow}&to={today}")
        backwards_page = await backwards.text()
        not_a_day = await client.get("/console/messages?from=2026-13-40")
        not_a_day_page = await not_a_day.text()
        everything = _rows(await (await client.get("/console/messages.csv")).text())
        searches = _rows(
            await (await client.get("/console/messages.csv?type=eurodac.search")).text()
        )

    assert f'href="/console/messages/{reply_id}"' in page
    assert f'href="/console/messages/{case.request_message_id}"' not in page
    # the filters stay in the URL of the page and of its export
    assert 'value="inbound" selected' in page
    assert f'name="from" value="{today}"' in page
    assert export.startswith("/console/messages.csv?")
    assert f"type=dublinet.reply&from={today}" in export
    assert exported.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert exported.headers["Content-Disposition"] == 'attachment; filename="messages.csv"'
    assert [(row["direction"], row["message_id"], row["type"]) for row in rows] == [
        ("inbound", reply_id, "dublinet.reply")
    ]
    assert reply_id not in later  # nothing was made from tomorrow on
    assert "None." in later
    assert backwards.status == 200
    assert "GW-API-QUERY" in backwards_page
    assert not_a_day.status == 400
    assert "<h1>Refused</h1>" in not_a_day_page  # a page for people, not a JSON problem
    assert "<code>GW-API-QUERY</code>" in not_a_day_page
    assert "(at <code>from</code>)" in not_a_day_page
    assert 'id="back"' in not_a_day_page
    assert {row["message_id"] for row in everything} >= {reply_id, "m-1", "m-2"}
    [risky] = [row for row in everything if row["message_id"] == "m-2"]
    assert risky["reference"] == "'=HYPERLINK(1)"  # text, never a formula
    assert searches == []


async def test_the_xml_is_downloaded_exactly_as_signed_both_ways(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        request_id, _ = await incoming_request(rig)
        case = await outgoing_case(rig)
        assert case.request_message_id is not None
        await log_in(rig.client, await rig.token(Role.OPERATOR))
        ours = await rig.client.get(f"/v1/messages/{case.request_message_id}/xml")
        theirs = await rig.client.get(f"/v1/messages/{request_id}/xml")
        ours_body, theirs_body = await ours.read(), await theirs.read()
        stored = await rig.services.store.get(case.request_message_id)
        received = await rig.services.store.inbound(request_id)
        assert stored is not None
        assert received is not None
        sent_bytes = rig.services.outbox.body_of(stored)
        received_bytes = rig.services.outbox.cipher.open(received.body, message_id=request_id)
        missing = await rig.client.get("/v1/messages/nothing/xml")

    assert ours.status == 200
    assert ours.headers["Content-Type"] == "application/xml"
    assert ours.headers["Content-Disposition"] == (
        f'attachment; filename="{case.request_message_id}.xml"'
    )
    assert ours_body == sent_bytes  # byte for byte: the signature still verifies
    assert theirs_body == received_bytes
    assert b"Signature" in theirs_body
    assert missing.status == 404


async def test_cases_hits_and_the_audit_trail_are_exported_with_their_filters(
    tmp_path: Path,
) -> None:
    async with api_rig(tmp_path) as rig:
        _, incoming = await incoming_request(rig)
        outgoing = await outgoing_case(rig)
        await eurodac_hit(rig)
        await log_in(rig.client, await rig.token(Role.AUDITOR, name="auditor-7"))
        client = rig.client
        cases_page = await (await client.get("/console/cases?direction=incoming")).text()
        cases = _rows(await (await client.get(_export_link(cases_page))).text())
        hits_page = await (await client.get("/console/hits?state=pending")).text()
        hits = _rows(await (await client.get(_export_link(hits_page))).text())
        no_hits = _rows(await (await client.get("/console/hits.csv?state=rejected")).text())
        audit_page = await (
            await client.get(f"/console/audit?kind=case.&subject={outgoing.case_id}")
        ).text()
        audit = _rows(await (await client.get(_export_link(audit_page))).text())
        tokens = await rig.services.store.find_audit(AuditFilter(kind="token."))

    assert [(row["case_id"], row["direction"]) for row in cases] == [(incoming.case_id, "incoming")]
    assert cases[0]["deadline.legal_basis"]  # the running clock's article
    assert incoming.deadline is not None
    assert cases[0]["deadline.date"] == incoming.deadline.isoformat()
    assert len(hits) == 1
    assert hits[0]["status"] == "awaiting_verification"
    assert hits[0]["matched"] == "NL1NL2025X77"
    assert no_hits == []
    assert 'value="case."' in audit_page  # the filter stays in the form
    assert [(row["kind"], row["subject"]) for row in audit] == [("case.opened", outgoing.case_id)]
    assert tokens  # tokens were made: the filter above left them out


async def test_the_audit_trail_opens_at_the_newest_entry_and_pages_back(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        await rig.queue(*(new_message(number) for number in range(45)))  # 270 entries
        await log_in(rig.client, await rig.token(Role.AUDITOR))
        first = await (await rig.client.get("/console/audit")).text()
        older_link = re.search(r'href="([^"]*)" id="older"', first)
        assert older_link
        second = await (await rig.client.get(unescape(older_link.group(1)))).text()
        by_actor = await (await rig.client.get("/console/audit?actor=nobody")).text()
        head = await rig.services.store.audit_head()
        assert head is not None

    numbers = [int(n) for n in re.findall(r"<tr>\s*<td>(\d+)</td>", first)]
    following = [int(n) for n in re.findall(r"<tr>\s*<td>(\d+)</td>", second)]
    assert numbers[0] == head.seq  # the newest first
    assert numbers == sorted(numbers, reverse=True)
    assert len(numbers) == 200
    assert following[0] == numbers[-1] - 1
    assert 'id="newest"' in second
    assert "No entries." in by_actor
