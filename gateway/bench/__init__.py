"""Every benchmark of the gateway's hot paths, each measured against a bare-library floor.

One module per benchmark; each docstring names the hot paths it times. `eugw bench`
(`gateway.cli.bench`, `.bench_broker`, `.bench_sources`) only parses options and prints:
`messages` and `signing` (`eugw bench messages`), `signatures` (the signature table),
`store`, `pipeline`, `end_to_end`, `end_to_end_runs` and `sustained` (`eugw bench store`,
`eugw bench pipeline`), `mapping` and `nist` (`eugw bench mapping`, `eugw bench nist`).
`submitter` is the end-to-end benchmark's national system, run in a process of its own.
"""
