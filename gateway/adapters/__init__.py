"""Adapters: the ports implemented over real I/O. Only `app` and `cli` import them."""
