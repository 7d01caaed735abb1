"""Hits in the console over HTTP: the list, one hit with its matched data (operators only),
the expert's verdict naming the case a confirmation opened, the wrong hit's report, and
auditors who read but cannot judge."""

from __future__ import annotations

from pathlib import Path

from console_rig import csrf_of, eurodac_hit, log_in, pending_hit
from web_rig import api_rig

from gateway.broker.access import Role
from gateway.tracking.hits import HitStatus


async def test_a_confirmed_hit_says_which_case_it_opened_and_links_it(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        tracking = rig.services.tracking
        assert tracking is not None
        await eurodac_hit(rig)
        [hit] = await tracking.store.hits()
        await log_in(rig.client, await rig.token(Role.OPERATOR, name="expert-1"))
        listing = await (await rig.client.get("/console/hits?state=pending")).text()
        page = await (await rig.client.get(f"/console/hits/{hit.hit_id}")).text()
        csrf = await csrf_of(rig.client)
        confirmed = await rig.client.post(
            f"/console/hits/{hit.hit_id}/confirm", data={"csrf": csrf}
        )
        after = await confirmed.text()
        again = await rig.client.post(f"/console/hits/{hit.hit_id}/confirm", data={"csrf": csrf})
        again_page = await again.text()
        [case] = await tracking.store.cases()

    assert f'href="/console/hits/{hit.hit_id}"' in listing
    assert 'id="matched-data"' in page
    assert "<dt>captured_on</dt><dd>2025-04-02</dd>" in page  # opened for the expert
    assert 'id="confirm"' in page
    assert str(confirmed.url).endswith(f"/console/hits/{hit.hit_id}?done=confirmed")
    assert f'href="/console/cases/{case.case_id}" id="opened-case"' in after
    assert f"{case.kind.value.replace('_', ' ')} request to {case.other_state}" in after
    assert (case.hit_id, case.other_state) == (hit.hit_id, "NL")
    assert again.status == 409
    assert "GW-HIT-ALREADY-VERIFIED" in again_page


async def test_a_wrong_hit_is_rejected_with_a_reason_then_reported(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        tracking = rig.services.tracking
        assert tracking is not None
        await tracking.store.add_hit(pending_hit("h-1"), [])
        await log_in(rig.client, await rig.token(Role.OPERATOR, name="expert-2"))
        csrf = await csrf_of(rig.client)
        no_reason = await rig.client.post("/console/hits/h-1/reject", data={"csrf": csrf})
        no_reason_page = await no_reason.text()
        not_yet = await rig.client.post("/console/hits/h-1/reported", data={"csrf": csrf})
        not_yet_page = await not_yet.text()
        rejected = await rig.client.post(
            "/console/hits/h-1/reject", data={"csrf": csrf, "reason": "different ridges"}
        )
        rejected_page = await rejected.text()
        reported = await rig.client.post("/console/hits/h-1/reported", data={"csrf": csrf})
        reported_page = await reported.text()
        unknown = await rig.client.post("/console/hits/nope/confirm", data={"csrf": csrf})
        stored = await tracking.hits.hit("h-1")
        digest = await (await rig.client.get("/v1/deadlines")).json()

    assert no_reason.status == 409
    assert "GW-HIT-VERDICT" in no_reason_page
    assert "(at <code>reason</code>)" in no_reason_page
    assert not_yet.status == 409
    assert "GW-HIT-NO-REPORT" in not_yet_page
    assert "Done: rejected." in rejected_page
    assert 'id="reported"' in rejected_page  # the report is due: the action is offered
    assert "Erased: a rejected hit keeps no personal data." in rejected_page
    assert "Done: wrong hit reported." in reported_page
    assert "reported on" in reported_page
    assert 'id="reported"' not in reported_page
    assert unknown.status == 404
    assert (stored.status, stored.reason, stored.reported_by) == (
        HitStatus.REJECTED,
        "different ridges",
        "expert-2",
    )
    assert "h-1" not in str(digest)  # reported: no longer due


async def test_an_auditor_reads_hits_without_their_data_and_cannot_judge(
    tmp_path: Path,
) -> None:
    async with api_rig(tmp_path) as rig:
        tracking = rig.services.tracking
        assert tracking is not None
        await eurodac_hit(rig)
        [hit] = await tracking.store.hits()
        await log_in(rig.client, await rig.token(Role.AUDITOR))
        listing = await rig.client.get("/console/hits")
        page = await (await rig.client.get(f"/console/hits/{hit.hit_id}")).text()
        judged = await rig.client.post(
            f"/console/hits/{hit.hit_id}/confirm", data={"csrf": await csrf_of(rig.client)}
        )
        stored = await tracking.hits.hit(hit.hit_id)

    assert listing.status == 200
    assert "Shown to operators only." in page
    assert "NL1NL2025X77" in page  # the matched record's reference, not its data
    assert "captured_on" not in page
    assert 'id="confirm"' not in page
    assert judged.status == 403
    assert stored.status is HitStatus.AWAITING_VERIFICATION
