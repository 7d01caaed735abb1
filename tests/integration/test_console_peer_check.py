""" "Test the connection" on the peers page: a real mutual-TLS handshake with the gateway's
client certificate against a server presenting a peer's certificate, then one HTTP request;
the page shows the peer certificate's subject and expiry, or the error's code and sentence;
each test is audited; operators and admins only."""

from __future__ import annotations

from pathlib import Path

from console_rig import closed_port, csrf_of, log_in, peer_tls_server
from web_rig import api_rig, demo_data_dir

from gateway.broker.access import Role
from gateway.ports import AuditFilter


async def test_an_operator_tests_the_connection_to_each_peer(tmp_path: Path) -> None:
    data = demo_data_dir(tmp_path / "data")
    async with (
        peer_tls_server(data, "nl-dublinet") as nl_port,
        api_rig(
            tmp_path / "rig",
            data_dir=data,
            dublinet_peers="NL,FR",
            # FR's address answers with NL's certificate: not one FR's CA issued
            dublinet_url=f"NL=https://localhost:{nl_port}/dublinet/NL,"
            f"FR=https://localhost:{nl_port}/dublinet/FR",
            eurodac_url=f"https://localhost:{closed_port()}/eurodac",
        ) as rig,
    ):
        await log_in(rig.client, await rig.token(Role.OPERATOR, name="op-night"))
        csrf = await csrf_of(rig.client)
        listed = await (await rig.client.get("/console/peers")).text()
        good = await rig.client.post("/console/peers/NL:dublinet/test", data={"csrf": csrf})
        good_page = await good.text()
        wrong = await (
            await rig.client.post("/console/peers/FR:dublinet/test", data={"csrf": csrf})
        ).text()
        closed = await (
            await rig.client.post("/console/peers/EU:eurodac/test", data={"csrf": csrf})
        ).text()
        unknown = await rig.client.post("/console/peers/XX:nowhere/test", data={"csrf": csrf})
        unknown_page = await unknown.text()
        audit = await rig.services.store.find_audit(AuditFilter(kind="peer.connection_tested"))
        rig.client.session.cookie_jar.clear()
        await log_in(rig.client, await rig.token(Role.AUDITOR))
        auditor_page = await (await rig.client.get("/console/peers")).text()
        auditor = await rig.client.post(
            "/console/peers/NL:dublinet/test", data={"csrf": await csrf_of(rig.client)}
        )

    assert 'id="test-NL-dublinet"' in listed
    assert good.status == 200
    assert "Connected: the handshake held and the endpoint answered HTTP 405" in good_page
    assert 'id="check-subject">' in good_page
    assert "CN=" in good_page.split('id="check-subject">', 1)[1].split("</dd>", 1)[0]
    assert 'id="check-names">NL:dublinet</dd>' in good_page
    assert 'id="check-expiry"' in good_page
    assert "TLSv1.3" in good_page or "TLSv1.2" in good_page
    assert '<code id="check-code">GW-TLS-HANDSHAKE</code>' in wrong
    assert "FR:dublinet: the server certificate is not trusted" in wrong
    assert '<code id="check-code">GW-TRN-REFUSED</code>' in closed
    assert "EU:eurodac could not be reached" in closed
    assert unknown.status == 404
    assert "GW-UI-PEER" in unknown_page
    assert [
        (entry.subject, entry.actor, entry.detail["ok"], entry.detail["code"]) for entry in audit
    ] == [
        ("EU:eurodac", "op-night", False, "GW-TRN-REFUSED"),
        ("FR:dublinet", "op-night", False, "GW-TLS-HANDSHAKE"),
        ("NL:dublinet", "op-night", True, None),
    ]
    assert 'id="test-NL-dublinet"' not in auditor_page  # auditors read, never act
    assert auditor.status == 403
