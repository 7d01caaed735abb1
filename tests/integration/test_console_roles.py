"""Roles in one table, over HTTP: what each role reaches in the API and the console follows
`GRANTS`; auditors read everything (hits, cases, deadlines included) and change nothing;
admins make and revoke tokens (audited with their name) and see the trust store."""

from __future__ import annotations

import re
from pathlib import Path

from aiohttp.test_utils import TestClient
from console_rig import csrf_of, eurodac_hit, hidden, incoming_request, log_in
from cryptography import x509
from web_rig import api_rig

from gateway.adapters.web.console import CONSOLE_PAGES
from gateway.adapters.web.console.extensions import CORE_PAGES
from gateway.broker.access import GRANTS, Permission, Role
from gateway.ports import AuditFilter

PAGES = {
    "/console": Permission.SEE_QUEUES,
    "/console/messages": Permission.READ_MESSAGES,
    "/console/dead": Permission.READ_MESSAGES,
    "/console/certificates": Permission.READ_CONFIGURATION,
    "/console/trust": Permission.READ_CONFIGURATION,
    "/console/peers": Permission.READ_CONFIGURATION,
    "/console/settings": Permission.READ_CONFIGURATION,
    "/console/alerts": Permission.READ_CONFIGURATION,
    "/console/audit": Permission.READ_AUDIT,
    "/console/hits": Permission.READ_TRACKING,
    "/console/cases": Permission.READ_TRACKING,
    "/console/deadlines": Permission.READ_TRACKING,
    "/console/tokens": Permission.MANAGE_TOKENS,
}


async def _statuses(client: TestClient) -> dict[str, int]:  # type: ignore[type-arg]
    return {path: (await client.get(path, allow_redirects=False)).status for path in PAGES}


async def test_each_role_reaches_the_pages_its_permissions_grant(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        reached: dict[Role, dict[str, int]] = {}
        menus: dict[Role, str] = {}
        for role in (Role.OPERATOR, Role.AUDITOR, Role.TESTER, Role.ADMIN):
            rig.client.session.cookie_jar.clear()
            await log_in(rig.client, await rig.token(role, name=f"who-{role.value}"))
            reached[role] = await _statuses(rig.client)
            menus[role] = await (await rig.client.get("/console")).text()
        pages = [*CORE_PAGES, *rig.client.app[CONSOLE_PAGES]]  # type: ignore[index]

    for role, statuses in reached.items():
        expected = {path: 200 if needed in GRANTS[role] else 403 for path, needed in PAGES.items()}
        assert statuses == expected, role
        for item in pages:
            assert (f'href="{item.path}"' in menus[role]) == (item.permission in GRANTS[role])
    assert reached[Role.AUDITOR]["/console/deadlines"] == 200  # no "needs operator"


async def test_an_auditor_reads_hits_cases_and_deadlines_and_changes_nothing(
    tmp_path: Path,
) -> None:
    async with api_rig(tmp_path) as rig:
        _, case = await incoming_request(rig)
        hit_message, _ = await eurodac_hit(rig)
        tracking = rig.services.tracking
        assert tracking is not None
        [hit] = await tracking.store.hits()
        auditor = {"Authorization": f"Bearer {await rig.token(Role.AUDITOR)}"}
        hit_xml = await rig.client.get(f"/v1/messages/{hit_message}/xml", headers=auditor)
        hit_shown = await (
            await rig.client.get(f"/v1/messages/{hit_message}", headers=auditor)
        ).json()
        await log_in(rig.client, await rig.token(Role.AUDITOR))
        hit_page = await (await rig.client.get(f"/console/messages/{hit_message}")).text()
        reads = {
            path: (await rig.client.get(path, headers=auditor)).status
            for path in (
                "/v1/hits",
                f"/v1/hits/{hit.hit_id}",
                "/v1/cases",
                f"/v1/cases/{case.case_id}",
                "/v1/deadlines",
                "/v1/messages",
                f"/v1/messages/{case.request_message_id}/xml",
                "/v1/queues",
            )
        }
        shown = await (await rig.client.get(f"/v1/hits/{hit.hit_id}", headers=auditor)).json()
        changes = {
            path: (await rig.client.post(path, json=body, headers=auditor)).status
            for path, body in (
                (f"/v1/hits/{hit.hit_id}/confirm", {}),
                (f"/v1/cases/{case.case_id}/events", {"event": "detained"}),
                (f"/v1/cases/{case.case_id}/reply", {"outcome": "accept"}),
                (f"/v1/messages/{case.request_message_id}/cancel", {}),
            )
        }
        operator = {"Authorization": f"Bearer {await rig.token(Role.OPERATOR)}"}
        expert = await (await rig.client.get(f"/v1/hits/{hit.hit_id}", headers=operator)).json()
        still = await tracking.store.case(case.case_id)

    assert set(reads.values()) == {200}, reads
    assert "data" not in shown  # personal data: for the fingerprint experts only
    assert hit_xml.status == 403  # nor through the hit message's XML
    assert (hit_shown["xml"], hit_shown["signature"]["valid"]) == (None, True)
    assert 'id="xml-withheld"' in hit_page
    assert 'id="download"' not in hit_page
    assert expert["data"]["reference"] == hit.matched
    assert set(changes.values()) == {403}, changes
    assert still == case


async def test_an_admin_makes_and_revokes_tokens_in_the_console(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        client = rig.client
        await log_in(client, await rig.token(Role.ADMIN, name="root-anne"))
        csrf = await csrf_of(client)
        made = await client.post(
            "/console/tokens",
            data=[("csrf", csrf), ("name", "actio"), ("role", "submitter"), ("role", "auditor")],
        )
        made_page = await made.text()
        secret = re.search(r'<code id="secret">([^<]+)</code>', made_page)
        assert secret
        works = await client.get(
            "/v1/messages", headers={"Authorization": f"Bearer {secret.group(1)}"}
        )
        listing = await (await client.get("/console/tokens")).text()
        tokens = {token.name: token for token in await rig.services.store.tokens()}
        bad = await client.post(
            "/console/tokens", data={"csrf": csrf, "name": "bad name!", "role": "wizard"}
        )
        bad_page = await bad.text()
        own = await client.post(
            f"/console/tokens/{tokens['root-anne'].token_id}/revoke", data={"csrf": csrf}
        )
        own_page = await own.text()
        revoked = await client.post(
            f"/console/tokens/{tokens['actio'].token_id}/revoke", data={"csrf": csrf}
        )
        revoked_page = await revoked.text()
        unknown = await client.post("/console/tokens/nope/revoke", data={"csrf": csrf})
        after = await client.get(
            "/v1/messages", headers={"Authorization": f"Bearer {secret.group(1)}"}
        )
        audit = await rig.services.store.find_audit(AuditFilter(kind="token."))
        client.session.cookie_jar.clear()
        await log_in(client, await rig.token(Role.OPERATOR))
        operator = await client.post(
            "/console/tokens", data={"csrf": await csrf_of(client), "name": "x", "role": "admin"}
        )

    assert made.status == 200
    assert made.headers["Cache-Control"] == "no-store"
    assert "shown this once" in made_page
    assert works.status == 200  # the new token reads as an auditor
    assert secret.group(1) not in listing  # never shown again
    assert tokens["actio"].roles == frozenset({Role.SUBMITTER, Role.AUDITOR})
    assert bad.status == 422
    assert "(at <code>name</code>)" in bad_page
    assert "(at <code>role</code>)" in bad_page
    assert own.status == 409
    assert "GW-UI-TOKEN" in own_page
    assert "Done: revoked" in revoked_page
    assert unknown.status == 404
    assert after.status == 401
    assert [(e.kind, e.subject, e.actor) for e in audit if e.actor == "root-anne"] == [
        ("token.revoked", tokens["actio"].token_id, "root-anne"),
        ("token.created", tokens["actio"].token_id, "root-anne"),
    ]
    assert operator.status == 403
    assert len(tokens) == 2  # nothing made from the refused form


async def test_the_trust_store_shows_each_party_s_ca_and_revocation_list(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        await log_in(rig.client, await rig.token(Role.AUDITOR))
        page = await (await rig.client.get("/console/trust")).text()
        revoked = x509.load_pem_x509_certificate(
            (
                rig.services.settings.data_dir
                / "peers"
                / "nl-dublinet-revoked"
                / "signing.cert.pem"
            ).read_bytes()
        )

    anchors = re.search(r'<table class="anchors" id="anchors">.*?</table>', page, re.DOTALL)
    lists = re.search(r'<table class="crls" id="crls">.*?</table>', page, re.DOTALL)
    assert anchors
    assert lists
    for party in ("BE", "EU", "NL", "FR", "DE", "IT"):
        assert f"<td>{party}</td>" in anchors.group(0)
    assert f"<code>{revoked.serial_number:x}</code>" in lists.group(0)  # NL's revoked key
    assert "stale" not in lists.group(0)
    assert hidden(page, "csrf")
