"""The gateway's flows: submissions in, signed messages out, verified replies back.

Each flow puts the inner layers together (mapping, messages, validation,
security, broker) behind a small service that the HTTP server and the CLI
call. CPU-heavy steps (building, validating, signing, verifying) run in an
executor given by the composition root, never on the event loop.
"""
