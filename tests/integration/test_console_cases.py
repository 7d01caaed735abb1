"""A Dublin unit works a case from the console, over HTTP: the case page (its clock with article
and effect, variants, messages both ways, documents, history) and its forms (our reply, events,
messages on the case), each through the tracking service as the API does, audited with the
operator, refused with a clear code where the law or the case's state does not allow it."""

from __future__ import annotations

import re
from pathlib import Path

from console_rig import csrf_of, incoming_request, log_in, outgoing_case, reply
from web_rig import api_rig

from gateway.broker.access import Role
from gateway.ports import AuditFilter, MessageFilter
from gateway.tracking.cases import CaseState


def _problem_paths(page: str) -> list[tuple[str, str]]:
    return re.findall(r"<code>(GW-[A-Z-]+)</code>[^<]*\(at <code>([^<]+)</code>\)", page)


async def test_a_refusal_needs_its_legal_basis_and_reasons_then_is_sent(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        request_id, case = await incoming_request(rig)
        await log_in(rig.client, await rig.token(Role.OPERATOR, name="dublin-ann"))
        page = await (await rig.client.get(f"/console/cases/{case.case_id}")).text()
        csrf = await csrf_of(rig.client)
        url = f"/console/cases/{case.case_id}/reply"
        unreasoned = await rig.client.post(
            url, data={"csrf": csrf, "outcome": "reject", "reason_codes": "not-responsible"}
        )
        unreasoned_page = await unreasoned.text()
        sent_before = await rig.services.store.find(MessageFilter(peer="NL:dublinet"))
        refused = await rig.client.post(
            url,
            data={
                "csrf": csrf,
                "outcome": "reject",
                "legal_basis": "Reg 2024/1351 Art 39",
                "reason_codes": "not-responsible, no-evidence",
                "explanation": "The person was never registered in Belgium.",
            },
        )
        refused_page = await refused.text()
        again = await rig.client.post(
            url, data={"csrf": csrf, "outcome": "accept", "legal_basis": "Art 39"}
        )
        again_page = await again.text()
        [sent] = await rig.services.store.find(MessageFilter(peer="NL:dublinet"))
        tracking = rig.services.tracking
        assert tracking is not None
        moved = await tracking.store.case(case.case_id)
        audit = await rig.services.store.find_audit(AuditFilter(subject=case.case_id))

    # the page: clock with article and effect, variants, the request both ways, the forms
    assert 'id="clock-basis">' in page
    assert case.deadline_basis is not None
    assert case.deadline_basis in page
    assert 'id="clock-effect">' in page
    assert 'id="variants"' in page
    assert f'href="/console/messages/{request_id}"' in page
    assert f'href="/v1/messages/{request_id}/xml"' in page  # its document
    assert 'id="reply-form"' in page
    assert 'value="detained"' in page
    assert 'id="message-form"' in page
    # a refusal without its basis and reasons: nothing signed or sent, the form kept
    assert unreasoned.status == 422
    assert _problem_paths(unreasoned_page) == [("GW-CASE-REFUSAL-REASONS", "legal_basis")]
    assert 'value="not-responsible"' in unreasoned_page
    assert sent_before == []
    # with them: sent, the case moved, the history and the audit trail name the operator
    assert "Done: our reply (reject) sent." in refused_page
    assert (sent.message_type, sent.correlation_id) == ("dublinet.reply", request_id)
    assert moved is not None
    assert moved.state is CaseState.REJECTED
    assert 'id="reply-form"' not in refused_page  # no reply is due any more
    assert f'href="/console/messages/{sent.message_id}"' in refused_page
    assert again.status == 409
    assert "GW-CASE-TRANSITION" in again_page
    assert ("case.rejection", "dublin-ann") in {(entry.kind, entry.actor) for entry in audit}


async def test_events_move_the_clock_and_what_the_state_forbids_is_refused(
    tmp_path: Path,
) -> None:
    async with api_rig(tmp_path) as rig:
        _, case = await incoming_request(rig)
        await log_in(rig.client, await rig.token(Role.OPERATOR, name="dublin-bob"))
        csrf = await csrf_of(rig.client)
        url = f"/console/cases/{case.case_id}/events"
        detained = await rig.client.post(
            url, data={"csrf": csrf, "event": "detained", "reason": "removal order served"}
        )
        detained_page = await detained.text()
        twice = await rig.client.post(url, data={"csrf": csrf, "event": "detained"})
        twice_page = await twice.text()
        early = await rig.client.post(url, data={"csrf": csrf, "event": "imprisoned"})
        early_page = await early.text()
        nonsense = await rig.client.post(url, data={"csrf": csrf, "event": "acceptance"})
        unknown = await rig.client.post(
            "/console/cases/nope/events", data={"csrf": csrf, "event": "detained"}
        )
        audit = await rig.services.store.find_audit(AuditFilter(kind="case.detained"))

    assert "Done: detained recorded." in detained_page
    assert 'id="variant-detained">yes: removal order served<' in detained_page
    assert "dublin-bob" in detained_page  # the history names who recorded it
    assert twice.status == 409
    assert "GW-CASE-VARIANT" in twice_page
    assert early.status == 409  # no transfer limit runs before an acceptance
    assert "GW-CASE-TRANSITION" in early_page
    assert nonsense.status == 422  # a reply is not an event operators record
    assert unknown.status == 404
    assert [(entry.subject, entry.actor) for entry in audit] == [(case.case_id, "dublin-bob")]


async def test_messages_are_sent_on_a_case_once_and_move_it_as_the_law_says(
    tmp_path: Path,
) -> None:
    async with api_rig(tmp_path) as rig:
        case = await outgoing_case(rig)
        await reply(rig, case)  # NL accepts: the transfer period runs
        await log_in(rig.client, await rig.token(Role.OPERATOR, name="dublin-cy"))
        page = await (await rig.client.get(f"/console/cases/{case.case_id}")).text()
        key = re.search(r'name="key" value="([^"]+)"', page)
        assert key
        csrf = await csrf_of(rig.client)
        url = f"/console/cases/{case.case_id}/messages"
        no_basis = await rig.client.post(
            url, data={"csrf": csrf, "type": "info-request", "key": key.group(1)}
        )
        no_basis_page = await no_basis.text()
        form = {
            "csrf": csrf,
            "type": "transfer-arrangement",
            "key": key.group(1),
            "transfer_date": "2027-01-12",
            "arrival_place": "Amsterdam Schiphol",
            "mode": "escorted",
            "escorts": "2",
            "legal_basis": "ignored: not a field of this type",
        }
        arranged = await rig.client.post(url, data=form)
        arranged_page = await arranged.text()
        repeated = await rig.client.post(url, data=form)  # the same form posted again
        not_ours = await rig.client.post(
            url, data={"csrf": csrf, "type": "reexamination-request", "reasons": "x"}
        )
        not_ours_page = await not_ours.text()
        done = await rig.client.post(
            f"/console/cases/{case.case_id}/events", data={"csrf": csrf, "event": "transfer_done"}
        )
        done_page = await done.text()
        sent = await rig.services.store.find(
            MessageFilter(peer="NL:dublinet", message_type="dublinet.transfer-arrangement")
        )

    assert 'id="reply-form"' not in page  # our own request: NL replies, not us
    assert "transfer-arrangement" in page
    assert no_basis.status == 422
    assert _problem_paths(no_basis_page) == [("GW-CASE-MESSAGE", "legal_basis")]
    assert "Done: transfer-arrangement sent." in arranged_page
    assert 'id="case-state" class="state">transfer_planned<' in arranged_page
    assert repeated.status == 200
    assert len(sent) == 1  # once per form
    assert not_ours.status == 409  # accepted: no re-examination to ask for
    assert "GW-CASE-TRANSITION" in not_ours_page
    assert 'id="case-state" class="state">transferred<' in done_page
    assert 'id="nothing-to-do"' in done_page


async def test_an_auditor_reads_a_case_but_is_offered_and_allowed_no_action(
    tmp_path: Path,
) -> None:
    async with api_rig(tmp_path) as rig:
        _, case = await incoming_request(rig)
        await log_in(rig.client, await rig.token(Role.AUDITOR))
        page = await (await rig.client.get(f"/console/cases/{case.case_id}")).text()
        posted = await rig.client.post(
            f"/console/cases/{case.case_id}/events",
            data={"csrf": await csrf_of(rig.client), "event": "detained"},
        )

    assert 'id="clock"' in page
    assert "Act on the case" not in page
    assert posted.status == 403
