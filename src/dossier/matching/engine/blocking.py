"""Blocking: which pairs of records are worth comparing, in work roughly linear in n. Pure.

Each record gets a few keys (phone, e-mail, ID number, order-free pinyin name, name with
birth year, city or postcode, initials with birthday …); records sharing a key are
candidates. A block larger than MAX_BLOCK (a very common name, a shared switchboard) is left
out: the narrower keys still pair its true duplicates.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from dossier.matching.engine.forking import forked_map
from dossier.matching.engine.records import Prepared

#: records sharing one key beyond which that key's block is skipped
MAX_BLOCK = 25
CHUNK = 50_000
#: the hashed keys are sorted in this many parts (a power of two)
BUCKETS = 16


def record_keys(p: Prepared) -> list[str]:
    """The blocking keys of one record (each prefixed by its kind)."""
    keys = []
    if len(p.phone) >= 6:
        keys.append("p" + p.phone)
    if p.email:
        keys.append("e" + p.email)
    if p.id_number:
        keys.append("i" + p.id_number)
        keys.append("j" + "".join(sorted(p.id_number)))  # two digits swapped
        half = len(p.id_number) // 2  # one digit wrong leaves one half whole
        keys.append("u" + p.id_number[:half])
        keys.append("v" + p.id_number[half:])
    first, second = sorted((p.surname, p.given))
    name = first + "|" + second if second else ""
    year = p.birthday[:4]
    if name:
        keys.append("n" + name)
        if year:
            keys.append("y" + name + year)
        if p.city:
            keys.append("c" + name + p.city)
        if p.postcode:
            keys.append("z" + name + p.postcode)
    if p.han:
        keys.append("h" + p.han)
    if p.surname and p.given and not p.han:
        # typos rarely reach the first three letters of both parts (characters have none)
        keys.append("w" + "|".join(sorted((p.surname[:3], p.given[:3]))))
    if p.postcode:
        if p.surname and p.given:
            keys.append("t" + "".join(sorted((p.surname[:1], p.given[:1]))) + p.postcode)
        if p.surname:
            keys.append("s" + p.surname + p.postcode)
        if p.given:
            keys.append("g" + p.given + p.postcode)
    if p.birthday:
        initials = "".join(sorted(x[:1] for x in (p.surname, p.given) if x))
        if initials:
            keys.append("b" + p.birthday + initials)
        if p.surname:
            keys.append("d" + p.birthday + p.surname[:1])
        if p.given:
            keys.append("d" + p.birthday + p.given[:1])
        if p.postcode:
            keys.append("k" + p.birthday + p.postcode)
        if p.city:
            keys.append("m" + p.birthday + p.city)
    if p.address:
        if name:
            keys.append("a" + p.address + first[:1] + second[:1])
        if p.postcode:
            keys.append("q" + p.address.partition(" ")[0] + p.postcode)
    return keys


def _pairs_in_runs(order: np.ndarray, starts: np.ndarray, size: int) -> np.ndarray:
    """All pairs inside runs of one size (vectorised over the runs)."""
    left, right = np.triu_indices(size, 1)
    first = order[starts[:, None] + left[None, :]].ravel()
    second = order[starts[:, None] + right[None, :]].ravel()
    return np.stack([np.minimum(first, second), np.maximum(first, second)], axis=1)


# the records whose keys the worker processes hash (inherited when forked)
_records: Sequence[Prepared] = ()


def _hashed_keys(bounds: tuple[int, int]) -> list[tuple[np.ndarray, np.ndarray]]:
    """The hashed keys of records start…end and their owners' indexes, split in BUCKETS by
    hash (owners ascending in each)."""
    hashes: list[int] = []
    owners: list[int] = []
    for index in range(*bounds):
        for key in record_keys(_records[index]):
            # a forked worker shares the parent's hash seed: equal keys hash alike everywhere
            hashes.append(hash(key))
            owners.append(index)
    key_array, owner_array = np.array(hashes, dtype=np.int64), np.array(owners, dtype=np.int32)
    bucket = key_array & (BUCKETS - 1)
    order = np.argsort(bucket, kind="stable")
    cuts = np.searchsorted(bucket[order], np.arange(1, BUCKETS))
    return list(
        zip(np.split(key_array[order], cuts), np.split(owner_array[order], cuts), strict=True)
    )


def _bucket_codes(keys: np.ndarray, owners: np.ndarray, n: int, max_block: int) -> np.ndarray:
    """Pair codes (i * n + j, i < j) of the records sharing a key, for one bucket of keys."""
    # owners ascend along the array, so a stable sort by key alone orders each block by owner
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    owners_sorted = owners[order].astype(np.int64)
    starts = np.concatenate(([0], np.flatnonzero(np.diff(sorted_keys)) + 1))
    sizes = np.diff(np.concatenate((starts, [len(sorted_keys)])))
    codes = []
    for size in np.unique(sizes):
        if size < 2 or size > max_block:
            continue
        pairs = _pairs_in_runs(owners_sorted, starts[sizes == size], int(size))
        pairs = pairs[pairs[:, 0] != pairs[:, 1]]  # one record with two keys alike
        codes.append(pairs[:, 0] * n + pairs[:, 1])
    return np.concatenate(codes) if codes else np.empty(0, dtype=np.int64)


def candidate_array(
    prepared: Sequence[Prepared], *, max_block: int = MAX_BLOCK, processes: int = 1
) -> np.ndarray:
    """Candidate pairs as an (n, 2) int array of record indexes, i < j, each pair once."""
    global _records
    # a chunk at a time: a million records have some twenty million keys, too many for lists
    ranges = [(k, min(k + CHUNK, len(prepared))) for k in range(0, len(prepared), CHUNK)]
    _records = prepared
    try:
        workers = processes if len(prepared) >= 2 * CHUNK else 1
        parts = list(forked_map(_hashed_keys, ranges, processes=workers))
    finally:
        _records = ()
    n = len(prepared)
    # one bucket of keys sorted at a time: equal keys share a bucket, and the sort's copies
    # stay a sixteenth of all keys (some 300 MB less at a million records)
    codes = [
        _bucket_codes(
            np.concatenate([part[b][0] for part in parts]),
            np.concatenate([part[b][1] for part in parts]),
            n,
            max_block,
        )
        for b in range(BUCKETS)
    ]
    del parts
    unique = np.unique(np.concatenate(codes)) if codes else np.empty(0, dtype=np.int64)
    return np.stack([unique // n, unique % n], axis=1)


def candidate_pairs(prepared: Sequence[Prepared]) -> Iterator[tuple[int, int]]:
    """Index pairs (i < j) worth comparing; each pair once."""
    for i, j in candidate_array(prepared):
        yield int(i), int(j)
