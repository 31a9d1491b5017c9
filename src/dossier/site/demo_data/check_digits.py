"""Check characters of Chinese identifiers, so demo 身份证 and credit codes are valid."""

from __future__ import annotations


def id_check_digit(body: str) -> str:
    """GB 11643 check character for the first 17 digits of a 身份证 number."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(body[:17]))
    return "10X98765432"[total % 11]


def org_code_check(body: str) -> str:
    """GB 11714 check character for an 8-character organisation code."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(alphabet.index(c) * w for c, w in zip(body, weights, strict=True)) % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def uscc_check(body: str) -> str:
    """GB 32100 check character for the first 17 characters of a 统一社会信用代码."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(alphabet.index(c) * w for c, w in zip(body[:17], weights, strict=True))
    return alphabet[(31 - total % 31) % 31]
