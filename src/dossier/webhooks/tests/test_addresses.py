"""SSRF: which target URLs a webhook may go to (pure rules, no database, no network)."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from dossier.webhooks import addresses
from dossier.webhooks.addresses import TargetRefused, check_target, numeric_ipv4
from dossier.webhooks.tests.conftest import public_resolver

PUBLIC = "93.184.215.14"


def refusal(url: str, **options: Any) -> str:
    with pytest.raises(TargetRefused) as caught:
        check_target(url, **options)
    return caught.value.code


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://172.16.0.9/hook",
        "https://192.168.1.1/hook",
        "https://169.254.169.254/latest/meta-data/",  # cloud metadata
        "https://100.64.0.1/",  # carrier-grade NAT
        "https://0.0.0.0/",
        "https://224.0.0.1/",  # multicast
        "https://240.0.0.1/",  # reserved
        "https://255.255.255.255/",
        "https://[::1]/hook",
        "https://[::]/hook",
        "https://[fe80::1]/hook",
        "https://[fc00::1]/hook",
        "https://[ff02::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",  # IPv4-mapped
        "https://[::ffff:10.0.0.1]/hook",
        "https://[::ffff:7f00:1]/hook",  # mapped, written in hex
        "https://[2002:7f00:1::]/hook",  # 6to4 around 127.0.0.1
        "https://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 around 169.254.169.254
        "https://0x7f000001/hook",  # hexadecimal
        "https://2130706433/hook",  # decimal
        "https://0177.0.0.1/hook",  # octal
        "https://127.1/hook",  # short form
        "https://0x7f.0.0.1/hook",
        "https://017700000001/hook",  # octal as one number
        "https://localhost/hook",
        "https://LOCALHOST./hook",
        "https://api.localhost/hook",
    ],
)
def test_private_loopback_and_reserved_targets_are_refused(url: str, monkeypatch: Any) -> None:
    # names are answered with a public address, so only the rules above can refuse them
    monkeypatch.setattr(addresses, "system_resolver", public_resolver(PUBLIC))
    assert refusal(url) == "url_private_address"


def test_a_dns_name_that_resolves_to_a_private_address_is_refused(monkeypatch: Any) -> None:
    monkeypatch.setattr(addresses, "system_resolver", public_resolver("10.0.0.7"))
    with pytest.raises(TargetRefused) as caught:
        check_target("https://hooks.example.com/in")
    assert caught.value.code == "url_private_address"
    assert caught.value.params == {"host": "hooks.example.com", "address": "10.0.0.7"}


def test_one_private_answer_among_public_ones_refuses_the_name() -> None:
    resolver = public_resolver(PUBLIC, "::ffff:192.168.0.1")
    assert refusal("https://hooks.example.com/", resolver=resolver) == "url_private_address"


def test_a_public_name_is_accepted_with_the_addresses_to_connect_to() -> None:
    target = check_target(
        "https://Hooks.Example.com:8443/in?key=1", resolver=public_resolver(PUBLIC, "2606:2800::1")
    )
    assert (target.scheme, target.host, target.port, target.path) == (
        "https",
        "hooks.example.com",
        8443,
        "/in?key=1",
    )
    assert target.addresses == (PUBLIC, "2606:2800::1")


def test_a_public_address_needs_no_lookup() -> None:
    def no_lookup(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("looked up a literal address")

    assert check_target(f"https://{PUBLIC}/x", resolver=no_lookup).addresses == (PUBLIC,)


def test_the_setting_lets_private_targets_through() -> None:
    target = check_target("http://127.0.0.1:8000/x", allow_private=True, allow_http=True)
    assert target.addresses == ("127.0.0.1",)
    assert check_target("https://0x7f000001/", allow_private=True).addresses == ("127.0.0.1",)


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://hooks.example.com/", "url_scheme"),
        ("ftp://hooks.example.com/", "url_scheme"),
        ("file:///etc/passwd", "url_scheme"),
        ("gopher://127.0.0.1:6379/_INFO", "url_scheme"),
        ("https://user:pass@hooks.example.com/", "url_credentials"),
        ("https://hooks.example.com@10.0.0.1/", "url_credentials"),
        ("https:///path-only", "invalid_url"),
        ("https://hooks.example.com:99999/", "invalid_url"),
        ("https://hooks.example.com:0/", "invalid_url"),
        ("https://hooks.example.com/a b", "invalid_url"),
        ("https://hooks.example.com/\x00", "invalid_url"),
        ("", "required"),
        ("https://x.example/" + "a" * 2000, "too_long"),
    ],
)
def test_urls_of_the_wrong_form_are_refused(url: str, code: str) -> None:
    assert refusal(url, resolver=public_resolver(PUBLIC)) == code


def test_http_only_where_allowed() -> None:
    resolver = public_resolver(PUBLIC)
    assert refusal("http://hooks.example.com/", resolver=resolver) == "url_scheme"
    target = check_target("http://hooks.example.com/", allow_http=True, resolver=resolver)
    assert (target.scheme, target.port) == ("http", 80)


def test_a_name_that_does_not_resolve_is_refused() -> None:
    def fails(*args: Any, **kwargs: Any) -> Any:
        raise OSError("Name or service not known")

    assert refusal("https://no-such-host.invalid/", resolver=fails) == "url_unresolvable"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("10.65535", "10.0.255.255"),
        ("192.168.257", "192.168.1.1"),
        ("8.8.8.8.", "8.8.8.8"),
        ("256.0.0.1", None),
        ("1.2.3.4.5", None),
        ("09.1.1.1", None),  # 9 is no octal digit
        ("example.com", None),
        ("１２７.0.0.1", None),  # full-width digits are a name, not a number
    ],
)
def test_numeric_hosts_are_read_as_the_c_library_reads_them(
    host: str, expected: str | None
) -> None:
    found = numeric_ipv4(host)
    assert found == (ipaddress.IPv4Address(expected) if expected else None)
