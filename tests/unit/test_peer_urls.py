"""Where the gateway delivers to each DubliNet peer (`dublinet_url`): a template, or a list."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.app import dublinet_urls
from gateway.errors import ConfigError
from gateway.settings import Settings
from simulators.runner import SimConfig


def test_a_template_names_each_peer() -> None:
    settings = Settings(dublinet_url="https://{party}.dublinet.example/in", dublinet_peers="NL,FR")
    assert dublinet_urls(settings) == {
        "NL": "https://NL.dublinet.example/in",
        "FR": "https://FR.dublinet.example/in",
    }


def test_a_list_gives_each_peer_its_own_url_and_only_the_peers_delivered_to() -> None:
    settings = Settings(
        dublinet_url="NL=https://localhost:1/dublinet/NL, FR=https://localhost:2/dublinet/FR",
        dublinet_peers="FR",
    )
    assert dublinet_urls(settings) == {"FR": "https://localhost:2/dublinet/FR"}


def test_a_peer_the_list_leaves_out_is_refused_at_start() -> None:
    settings = Settings(dublinet_url="NL=https://localhost:1/dublinet/NL", dublinet_peers="NL,DE")
    with pytest.raises(ConfigError) as caught:
        dublinet_urls(settings)
    assert (caught.value.code, caught.value.path) == ("GW-CFG-INVALID", "EUGW_DUBLINET_URL")
    assert "DE" in caught.value.message


def test_the_defaults_reach_the_simulators_default_ports(tmp_path: Path) -> None:
    # `eugw sim run` and `eugw serve` work together with nothing configured.
    config = SimConfig(data_dir=tmp_path)
    urls = dublinet_urls(Settings())
    ports = dict(zip(config.peers, config.dublinet_ports, strict=True))
    assert urls == {party: f"https://localhost:{ports[party]}/dublinet/{party}" for party in urls}
    assert sorted(urls) == sorted(config.peers)
    assert Settings().eurodac_url == f"https://localhost:{config.eurodac_port}/eurodac"
