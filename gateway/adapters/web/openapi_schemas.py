"""What each API operation takes and answers, and the shapes of its documents (OpenAPI 3.1).

Roles, paths and methods are not written here: `openapi.py` reads them from
the routes. A route missing from `OPERATIONS` is still described, from its
handler's docstring, until it gets its entry.
"""

from __future__ import annotations

from typing import Any

from gateway.broker.access import Role
from gateway.broker.states import MessageState

__all__ = ["COMPONENTS", "OPERATIONS", "ref"]


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": ref("Problem")}},
    }


_TEXT: dict[str, Any] = {"type": "string"}
_NULLABLE_TEXT: dict[str, Any] = {"type": ["string", "null"]}
_TIME: dict[str, Any] = {"type": "string", "format": "date-time"}
_STATES = [state.value for state in MessageState]
_ROLES = [role.value for role in Role]

_MESSAGE_SUMMARY: dict[str, Any] = {
    "type": "object",
    "required": ["direction", "message_id", "peer", "type", "state", "created_at"],
    "properties": {
        "direction": {
            "type": "string",
            "enum": ["outbound", "inbound"],
            "description": "outbound: ours to `peer`; inbound: `peer`'s to us (state received)",
        },
        "message_id": _TEXT,
        "peer": {"type": "string", "examples": ["EU:eurodac", "NL:dublinet"]},
        "type": {"type": "string", "examples": ["eurodac.enrolment"]},
        "state": {"type": "string", "enum": _STATES},
        "reference": _NULLABLE_TEXT,
        "conversation_id": _TEXT,
        "correlation_id": {
            "type": ["string", "null"],
            "description": "the message this one answers",
        },
        "attempts": {"type": ["integer", "null"], "minimum": 0, "description": "ours only"},
        "created_at": _TIME,
        "updated_at": _TIME,
        "next_attempt_at": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "while it waits to be tried again (retry_wait)",
        },
        "last_error": {
            "type": ["string", "null"],
            "description": "its last error, until it is delivered (the timeline keeps it)",
        },
    },
}
_SIGNATURE: dict[str, Any] = {
    "type": ["object", "null"],
    "description": "the signature verified again now, against the trust store",
    "properties": {
        "valid": {"type": "boolean"},
        "signer": _NULLABLE_TEXT,
        "subject": _NULLABLE_TEXT,
        "expires": {"type": ["string", "null"], "format": "date-time"},
        "problem": _NULLABLE_TEXT,
    },
}

COMPONENTS: dict[str, Any] = {
    "schemas": {
        "Problem": {
            "type": "object",
            "description": "RFC 9457 problem document with the gateway's stable error code.",
            "required": ["type", "title", "status", "code", "problems"],
            "properties": {
                "type": _TEXT,
                "title": _TEXT,
                "status": {"type": "integer"},
                "detail": _TEXT,
                "code": {"type": "string", "pattern": "^GW-"},
                "problems": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["code", "message", "path"],
                        "properties": {"code": _TEXT, "message": _TEXT, "path": _TEXT},
                    },
                },
            },
        },
        "MessageSummary": _MESSAGE_SUMMARY,
        "MessageDetail": {
            "allOf": [
                ref("MessageSummary"),
                {
                    "type": "object",
                    "required": ["timeline"],
                    "properties": {
                        "xml": {
                            "type": ["string", "null"],
                            "description": "the signed message as sent or received; null "
                            "once erased",
                        },
                        "signature": _SIGNATURE,
                        "answers": {"oneOf": [ref("MessageSummary"), {"type": "null"}]},
                        "answered_by": {"type": "array", "items": ref("MessageSummary")},
                        "case_id": _NULLABLE_TEXT,
                        "effect": {
                            "type": ["object", "null"],
                            "description": "inbound: what it did here",
                            "properties": {
                                "moved": {"type": ["object", "null"]},
                                "hits": {"type": "array", "items": _TEXT},
                                "case_changes": {"type": "array", "items": {"type": "object"}},
                            },
                        },
                        "timeline": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "at": _TIME,
                                    "from": {"type": ["string", "null"]},
                                    "to": _TEXT,
                                    "event": _TEXT,
                                    "detail": _TEXT,
                                },
                            },
                        },
                    },
                },
            ]
        },
        "SubmissionAccepted": {
            "type": "object",
            "required": ["submission_id", "status", "message_ids"],
            "properties": {
                "submission_id": _TEXT,
                "status": {"const": "accepted"},
                "message_ids": {"type": "array", "items": _TEXT},
                "links": {"type": "object"},
            },
        },
        "SubmissionStatus": {
            "type": "object",
            "required": ["submission_id", "status", "created_at", "answer", "messages"],
            "properties": {
                "submission_id": _TEXT,
                "status": {"type": "string", "enum": ["accepted", "rejected"]},
                "created_at": _TIME,
                "answer": {"type": "object"},
                "messages": {"type": "array", "items": ref("MessageSummary")},
            },
        },
        "Queues": {
            "type": "object",
            "required": ["counts", "circuits"],
            "properties": {
                "counts": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "peer": _TEXT,
                            "state": {"type": "string", "enum": _STATES},
                            "count": {"type": "integer", "minimum": 0},
                        },
                    },
                },
                "circuits": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "string",
                        "enum": ["closed", "open", "half_open"],
                    },
                },
                "oldest_waiting_seconds": {
                    "type": "object",
                    "description": "per peer, the age of the oldest message not yet delivered",
                    "additionalProperties": {"type": "integer"},
                },
            },
        },
        "Token": {
            "type": "object",
            "required": ["token_id", "name", "roles", "created_at", "revoked_at"],
            "properties": {
                "token_id": _TEXT,
                "name": _TEXT,
                "roles": {"type": "array", "items": {"type": "string", "enum": _ROLES}},
                "created_at": _TIME,
                "revoked_at": {"type": ["string", "null"], "format": "date-time"},
                "secret": {"type": "string", "description": "in the answer that made it only"},
            },
        },
        "Readiness": {
            "type": "object",
            "required": ["status", "store"],
            "properties": {
                "status": {"type": "string", "enum": ["ready", "not ready"]},
                "store": _TEXT,
                "certificates": {},
                "peers": {"type": "object"},
            },
        },
    }
}

_BAD_REQUEST = _problem("The request is malformed (a parameter or header is wrong).")
_NOT_FOUND = _problem("There is no such resource.")

OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/v1/submissions"): {
        "summary": "Submit national records; they are mapped, signed and queued",
        "description": (
            "Answers at once with the submission id and its message ids; the EU result comes "
            "later. A repeated Idempotency-Key returns the first answer again; the same key "
            "with other content is refused."
        ),
        "parameters": [
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": True,
                "schema": {"type": "string", "minLength": 1, "maxLength": 200},
            },
        ],  # the query parameters come from the handler (`params.query`)
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {}},
                "text/csv": {"schema": {"type": "string"}},
            },
        },
        "responses": {
            "202": _json(ref("SubmissionAccepted"), "Accepted: the messages are queued."),
            "400": _BAD_REQUEST,
            "413": _problem("The request is larger than allowed."),
            "422": _problem("The records are refused; every problem is listed."),
        },
    },
    ("get", "/v1/submissions/{submission_id}"): {
        "summary": "A submission's answer and the state of its messages",
        "description": "A submitter sees only its own submissions; operators and auditors all.",
        "responses": {
            "200": _json(ref("SubmissionStatus"), "The submission."),
            "404": _NOT_FOUND,
        },
    },
    ("get", "/v1/messages"): {
        "summary": "List messages of both directions, newest first, filtered",
        "description": (
            "Ours (outbound) and the peers' (inbound, in state received) merged by time; "
            "`direction` lists one of them. Both together reach the newest 10000."
        ),
        "responses": {
            "200": _json(
                {
                    "type": "object",
                    "required": ["messages"],
                    "properties": {
                        "messages": {"type": "array", "items": ref("MessageSummary")},
                        "next": {"type": "string", "description": "the next page, when full"},
                    },
                },
                "The messages.",
            ),
            "400": _BAD_REQUEST,
        },
    },
    ("get", "/v1/messages/{message_id}"): {
        "summary": "One message, ours or a peer's: its timeline, signature and links",
        "description": (
            "The signature is verified again against the trust store; an inbound message "
            "shows the effect it had (our message it acknowledged or answered, the hits it "
            "stored, the case moves it made)."
        ),
        "responses": {"200": _json(ref("MessageDetail"), "The message."), "404": _NOT_FOUND},
    },
    ("get", "/v1/messages/{message_id}/xml"): {
        "summary": "The message's XML exactly as signed and sent or received",
        "responses": {
            "200": {
                "description": "The stored body, opened.",
                "content": {"application/xml": {"schema": {"type": "string"}}},
            },
            "404": _NOT_FOUND,
            "410": _problem("The body was erased after its retention period (GW-BRK-PURGED)."),
        },
    },
    ("post", "/v1/messages/{message_id}/{action}"): {
        "summary": "Resend, release, retry now or cancel a message (audited, with the caller)",
        "description": (
            "resend: acknowledged → queued (same id; the peer de-duplicates); release: dead → "
            "queued; retry: retry_wait → queued at once, not waiting for its time; cancel: "
            "queued, retry_wait or dead → cancelled. Another state: 409 GW-BRK-TRANSITION."
        ),
        "responses": {
            "200": _json(ref("MessageSummary"), "The message after the action."),
            "404": _NOT_FOUND,
            "409": _problem("The message's state does not allow the action."),
        },
    },
    ("get", "/v1/tokens"): {
        "summary": "Every API token, the newest first (never a secret nor a digest)",
        "responses": {
            "200": _json(
                {
                    "type": "object",
                    "properties": {"tokens": {"type": "array", "items": ref("Token")}},
                },
                "The tokens, revoked ones included.",
            )
        },
    },
    ("post", "/v1/tokens"): {
        "summary": "Make a token for a name and its roles (audited as token.created)",
        "requestBody": {
            "required": True,
            **_json(
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name", "roles"],
                    "properties": {
                        "name": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$"},
                        "roles": {
                            "type": "array",
                            "minItems": 1,
                            "items": {"type": "string", "enum": _ROLES},
                        },
                    },
                },
                "The token to make.",
            ),
        },
        "responses": {
            "201": _json(ref("Token"), "The token, with its secret: shown this once."),
            "400": _problem("A bad name or role (GW-API-TOKEN), each named."),
        },
    },
    ("post", "/v1/tokens/{token_id}/revoke"): {
        "summary": "Revoke a token (audited as token.revoked)",
        "responses": {
            "200": _json(ref("Token"), "The token, revoked."),
            "404": _problem("No token has that id (GW-IN-NO-TOKEN)."),
            "409": _problem("The token of this very request (GW-API-TOKEN-OWN)."),
        },
    },
    ("get", "/v1/queues"): {
        "summary": "Messages per peer and state, and each peer's circuit breaker",
        "responses": {"200": _json(ref("Queues"), "The queues.")},
    },
    ("get", "/healthz"): {
        "summary": "Liveness: the process answers",
        "responses": {"200": _json({"type": "object"}, "Alive.")},
    },
    ("get", "/readyz"): {
        "summary": "Readiness: the store answers and the gateway's certificates are valid",
        "responses": {
            "200": _json(ref("Readiness"), "Ready."),
            "503": _json(ref("Readiness"), "Not ready; the report says why."),
        },
    },
    ("get", "/metrics"): {
        "summary": "Prometheus metrics",
        "description": (
            "Queue depth per peer and state, send latency, retries, dead letters, circuit "
            "states, days until each certificate of the gateway expires, deadlines."
        ),
        "responses": {
            "200": {"description": "Text exposition format.", "content": {"text/plain": {}}}
        },
    },
    ("get", "/openapi.json"): {
        "summary": "This description of the API (OpenAPI 3.1)",
        "responses": {"200": _json({"type": "object"}, "The OpenAPI document.")},
    },
}
