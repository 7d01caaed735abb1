"""Adapters: the ports implemented over real I/O, imported only by the composition roots
(`app`, `cli`, `bench`)."""
