"""A PKI generated once per test run: a CA per party, peer certificates, revocation lists.

Each party (NL, FR, EU, BE) has a CA of its own that issues its certificates, and
`trust` / `write_trust_dir` trust each CA for its own party only, as between member
states: `nl_by_fr_ca` (FR's CA naming NL) is refused. The attacks the tests model
besides: a rogue root nobody trusts, an expired and a revoked certificate, and an NL
key under an intermediate of NL's CA (`nl_via_intermediate`, which is good).

Nothing here is checked in; each run makes fresh keys, as aiohttp's tests do
with trustme.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from gateway.security.identity import PeerId
from gateway.security.pki import (
    Issued,
    KeyType,
    Usage,
    issue,
    make_crl,
    make_intermediate_ca,
    make_root_ca,
    write_pem_pair,
)
from gateway.security.signer import Signer, SigningKey
from gateway.security.trust import TrustStore

NL = PeerId(party="NL", system="dublinet")
FR = PeerId(party="FR", system="dublinet")
EURODAC = PeerId(party="EU", system="eurodac")
GATEWAY = PeerId(party="BE", system="gateway")
PARTIES = ("NL", "FR", "EU", "BE")  # each with a CA of its own


# Tests read two clocks: the wall clock (TLS handshakes and OpenSSL's revocation
# check, timestamps of live servers) and fixed clocks of their own, which name the
# date a test is about (none before 2020). One PKI serves both: every certificate
# and the revocation list are valid from VALID_FROM until ten years after the day
# the PKI is made, so the suite passes on any date, a shifted one included.
VALID_FROM = datetime(2020, 1, 1, tzinfo=UTC)
VALID_AFTER_TODAY = timedelta(days=3653)


@dataclass(frozen=True, kw_only=True)
class GeneratedPki:
    now: datetime  # the wall clock when the PKI was made
    valid_from: datetime
    lifetime_days: int
    cas: Mapping[str, Issued]  # each party's CA, trusted for that party only
    crls: Mapping[str, x509.CertificateRevocationList]  # each CA's list (NL's: revoked*)
    rogue_root: Issued  # a CA nobody trusts
    nl: Issued
    nl_ec: Issued
    nl_next: Issued  # NL's next signing key, for rotation
    nl_via_intermediate: Issued  # under an intermediate of NL's CA
    fr: Issued
    eurodac: Issued
    expired: Issued
    revoked: Issued
    untrusted: Issued  # NL:dublinet under the rogue root
    server: Issued  # BE:gateway TLS server on localhost / 127.0.0.1
    client: Issued  # NL:dublinet TLS client
    rogue_client: Issued  # NL:dublinet TLS client under the rogue root
    revoked_client: Issued  # NL:dublinet TLS client on the revocation list
    rogue_server: Issued  # a localhost server under the rogue root
    nl_by_fr_ca: Issued  # NL:dublinet signing, issued by FR's CA: one party vouching for another
    nl_client_by_fr_ca: Issued  # NL:dublinet TLS client, issued by FR's CA

    @property
    def root(self) -> Issued:
        """NL's CA, which issued most certificates here (nl, client, revoked, expired...)."""
        return self.cas["NL"]

    @property
    def crl(self) -> x509.CertificateRevocationList:
        """NL's CA's list: `revoked` and `revoked_client`."""
        return self.crls["NL"]

    @cached_property
    def trust(self) -> TrustStore:
        """Each party's CA for that party only, with every CA's list."""
        anchors = {party: [ca.certificate] for party, ca in self.cas.items()}
        return TrustStore.checked(anchors=anchors, crls=self.crls.values())

    def issue(self, issuer: Issued, *, peer: PeerId, usage: Usage, **kwargs: object) -> Issued:
        """A certificate from `issuer`, valid over the whole window of this PKI."""
        options = {"now": self.valid_from, "days": self.lifetime_days, **kwargs}
        return issue(issuer, peer=peer, usage=usage, **options)  # type: ignore[arg-type]

    def signer(self, *issued: Issued, active: int = 0) -> Signer:
        keys = [
            SigningKey(key_id=f"key-{index}", private_key=item.private_key, chain=_chain(item))
            for index, item in enumerate(issued)
        ]
        return Signer(keys, active=f"key-{active}")

    def write_trust_dir(self, directory: Path) -> Path:
        """`directory/<PARTY>/`: that party's CA (`ca.pem`) and its list (`ca.crl.pem`)."""
        for party, ca in self.cas.items():
            (directory / party).mkdir(parents=True)
            (directory / party / "ca.pem").write_bytes(ca.cert_pem)
            (directory / party / "ca.crl.pem").write_bytes(
                self.crls[party].public_bytes(serialization.Encoding.PEM)
            )
        return directory


def write_pair(issued: Issued, directory: Path, name: str) -> tuple[Path, Path]:
    """Write `name.cert.pem` (chain) and `name.key.pem` (mode 0600, in a folder of mode
    0700); return their paths."""
    return write_pem_pair(issued, directory, name)


def _chain(issued: Issued) -> tuple[x509.Certificate, ...]:
    return (issued.certificate, *issued.intermediates)


def make_test_pki() -> GeneratedPki:
    now = datetime.now(tz=UTC).replace(microsecond=0)
    start = VALID_FROM
    days = (now + VALID_AFTER_TODAY - start).days
    # Each CA starts an hour before what it certifies (make_root_ca's own margin).
    cas = {
        party: make_root_ca(f"Test {party} CA", now=start, days=days + 1, organisation=party)
        for party in PARTIES
    }
    root = cas["NL"]
    rogue_root = make_root_ca("Rogue Root CA", now=start, days=days + 1)
    nl_issuing_ca = make_intermediate_ca(root, "Test NL issuing CA", now=start, days=days)

    def tls(issuer: Issued, peer: PeerId, usage: Usage, **kwargs: object) -> Issued:
        options = {"now": start, "days": days, **kwargs}
        return issue(issuer, peer=peer, usage=usage, **options)  # type: ignore[arg-type]

    def signing(issuer: Issued, peer: PeerId, **kwargs: object) -> Issued:
        return tls(issuer, peer, Usage.SIGNING, **kwargs)

    revoked = signing(root, NL)
    revoked_client = tls(root, NL, Usage.TLS_CLIENT)
    localhost = {"dns_names": ["localhost"], "ip_addresses": ["127.0.0.1"]}
    revoked_by = {"NL": [revoked.certificate, revoked_client.certificate]}
    return GeneratedPki(
        now=now,
        valid_from=start,
        lifetime_days=days,
        cas=cas,
        crls={
            party: make_crl(ca, revoked_by.get(party, []), now=start, days=days)
            for party, ca in cas.items()
        },
        rogue_root=rogue_root,
        nl=signing(root, NL),
        nl_ec=signing(root, NL, key_type=KeyType.EC),
        nl_next=signing(root, NL, key_type=KeyType.EC),
        nl_via_intermediate=signing(nl_issuing_ca, NL),
        fr=signing(cas["FR"], FR),
        eurodac=signing(cas["EU"], EURODAC),
        # Expired long before any date a test is about.
        expired=signing(root, NL, not_before=start + timedelta(days=1), days=30),
        revoked=revoked,
        untrusted=signing(rogue_root, NL),
        server=tls(cas["BE"], GATEWAY, Usage.TLS_SERVER, **localhost),
        client=tls(root, NL, Usage.TLS_CLIENT, key_type=KeyType.EC),
        rogue_client=tls(rogue_root, NL, Usage.TLS_CLIENT),
        revoked_client=revoked_client,
        rogue_server=tls(rogue_root, GATEWAY, Usage.TLS_SERVER, **localhost),
        nl_by_fr_ca=signing(cas["FR"], NL),
        nl_client_by_fr_ca=tls(cas["FR"], NL, Usage.TLS_CLIENT, key_type=KeyType.EC),
    )
