"""The broker: message states, retry policy, circuit breaker, outbox and dispatcher.

The decisions (which state may follow which, when to retry, whether a peer's
circuit is open) are pure and take time as an argument; the dispatcher puts
them together with a store and a transport given to it.
"""
