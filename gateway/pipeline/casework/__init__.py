"""Casework: the tracking services (hits, cases, requests, follow-ups, deadlines, results)
that apply the pure rules of `gateway.tracking` to stored hits, cases and messages."""
