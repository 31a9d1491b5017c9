"""Union-find: which connected group each record belongs to, given the pairs that join them."""

from __future__ import annotations

from typing import Any, Generic, Protocol, TypeVar


class _Ordered(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...


K = TypeVar("K", bound=_Ordered)


class DisjointSets(Generic[K]):
    """Groups of keys joined pair by pair; a group's root is its smallest key."""

    def __init__(self) -> None:
        self._parent: dict[K, K] = {}

    def root(self, key: K) -> K:
        """The group ``key`` belongs to (its smallest key), halving paths on the way."""
        parent = self._parent
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def join(self, a: K, b: K) -> None:
        ra, rb = self.root(a), self.root(b)
        if ra != rb:
            self._parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> dict[K, list[K]]:
        """Every key seen, by its group's root, in the order first seen."""
        found: dict[K, list[K]] = {}
        for key in list(self._parent):
            found.setdefault(self.root(key), []).append(key)
        return found
