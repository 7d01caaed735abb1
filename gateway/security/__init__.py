"""Signatures, certificates and TLS: who signed a message, and whether to trust them.

`signer` makes enveloped XML-DSig signatures, `verifier` checks them against a
per-peer `trust` store and returns only what was signed; both work with lxml's
exclusive C14N and `cryptography` (`xmldsig`), and the verifier refuses any
signature outside the one accepted shape before any cryptography (`profile`,
`algorithms`, `chain`). `tls` builds the
mutual-TLS contexts, `identity` says which peer a certificate names, `pki`
and `demo` generate certificates for tests and demonstrations.
"""
