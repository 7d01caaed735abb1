"""`/v1/tokens`: an admin lists, makes and revokes tokens over HTTP under the one role table
(`manage_tokens`: admins only), each change audited with the admin's name; a secret is in
the answer that made it and nowhere else; bad input is refused with its code and field."""

from __future__ import annotations

from pathlib import Path

from web_rig import api_rig

from gateway.broker.access import Role
from gateway.ports import AuditFilter


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


async def test_an_admin_makes_lists_and_revokes_a_token(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        client = rig.client
        admin = _bearer(await rig.token(Role.ADMIN, name="root-bob"))
        made = await client.post(
            "/v1/tokens", json={"name": "actio", "roles": ["submitter", "auditor"]}, headers=admin
        )
        token = await made.json()
        works = await client.get("/v1/messages", headers=_bearer(token["secret"]))
        listed = await (await client.get("/v1/tokens", headers=admin)).json()
        revoked = await client.post(f"/v1/tokens/{token['token_id']}/revoke", headers=admin)
        shown = await revoked.json()
        after = await client.get("/v1/messages", headers=_bearer(token["secret"]))
        audit = await rig.services.store.find_audit(AuditFilter(kind="token."))
        document = await (await client.get("/openapi.json")).json()

    assert made.status == 201
    assert made.headers["Cache-Control"] == "no-store"
    assert token["secret"].startswith("eugw_")
    assert (token["name"], token["roles"], token["revoked_at"]) == (
        "actio",
        ["auditor", "submitter"],
        None,
    )
    assert works.status == 200  # the new token reads as an auditor
    assert listed["tokens"][0] == {key: token[key] for key in token if key != "secret"}
    assert token["secret"] not in str(listed)
    assert all("digest" not in item for item in listed["tokens"])
    assert revoked.status == 200
    assert shown["revoked_at"] is not None
    assert after.status == 401
    assert [(e.kind, e.subject, e.actor) for e in audit if e.actor == "root-bob"] == [
        ("token.revoked", token["token_id"], "root-bob"),
        ("token.created", token["token_id"], "root-bob"),
    ]
    for method, path in (("get", "/v1/tokens"), ("post", "/v1/tokens")):
        assert document["paths"][path][method]["x-required-permission"] == "manage_tokens"


async def test_bad_input_own_and_unknown_tokens_and_other_roles_are_refused(
    tmp_path: Path,
) -> None:
    async with api_rig(tmp_path) as rig:
        client = rig.client
        admin = _bearer(await rig.token(Role.ADMIN, name="root-bob"))
        mine = next(t for t in await rig.services.store.tokens() if t.name == "root-bob")
        bad = await client.post(
            "/v1/tokens", json={"name": "bad name!", "roles": ["wizard"]}, headers=admin
        )
        no_roles = await client.post("/v1/tokens", json={"name": "x"}, headers=admin)
        not_json = await client.post("/v1/tokens", data=b"name=x", headers=admin)
        extra = await client.post(
            "/v1/tokens", json={"name": "x", "roles": ["admin"], "expires": "never"}, headers=admin
        )
        own = await client.post(f"/v1/tokens/{mine.token_id}/revoke", headers=admin)
        unknown = await client.post("/v1/tokens/nope/revoke", headers=admin)
        others = {}
        for role in (Role.OPERATOR, Role.AUDITOR, Role.SUBMITTER, Role.TESTER):
            headers = _bearer(await rig.token(role))
            others[role] = (
                (await client.get("/v1/tokens", headers=headers)).status,
                (
                    await client.post(
                        "/v1/tokens", json={"name": "x", "roles": ["admin"]}, headers=headers
                    )
                ).status,
            )
        anonymous = await client.get("/v1/tokens")
        answers = [await r.json() for r in (bad, no_roles, own, unknown, extra)]
        names = {t.name for t in await rig.services.store.tokens()}

    assert bad.status == 400
    assert [(p["code"], p["path"]) for p in answers[0]["problems"]] == [
        ("GW-API-TOKEN", "name"),
        ("GW-API-TOKEN", "roles"),
    ]
    assert no_roles.status == 400
    assert answers[1]["problems"][0]["message"].startswith("roles: one or more of submitter")
    assert not_json.status == 400
    assert (extra.status, answers[4]["problems"][0]["path"]) == (400, "expires")
    assert (own.status, answers[2]["code"]) == (409, "GW-API-TOKEN-OWN")
    assert (unknown.status, answers[3]["code"]) == (404, "GW-IN-NO-TOKEN")
    assert set(others.values()) == {(403, 403)}
    assert anonymous.status == 401
    assert "x" not in names  # nothing made by a refused request
    assert mine.revoked_at is None
