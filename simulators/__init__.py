"""Simulators of the EU side: the Eurodac Central System and DubliNet member-state peers.

They speak the gateway's own wire contract (see `simulators/README.md`):
signed XML over mutual TLS in, a signed acknowledgement back at once, and
signed replies delivered later to the gateway's inbound URL through the
gateway's own broker (outbox, dispatcher, HTTP transport). The gateway never
imports this package; the simulators import the gateway.
"""
