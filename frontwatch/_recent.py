"""A small cache of recent results by key, least recently used dropped first (cell
results, validated maps and layers, decoded store layers)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Recent(Generic[V]):
    """The last ``size`` values made, by key; counts its hits and misses."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[Hashable, V] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        """The value kept for ``key``, else ``make()``'s, kept."""
        value = self._values.get(key)
        if value is not None:
            self._values.move_to_end(key)
            self.hits += 1
            return value
        self.misses += 1
        value = self._values[key] = make()
        if len(self._values) > self.size:
            self._values.popitem(last=False)
        return value

    def discard(self, key: Hashable) -> None:
        self._values.pop(key, None)

    def clear(self) -> None:
        self._values.clear()

    def keep_only(self, wanted: Callable[[Hashable], bool]) -> None:
        """Drop the values whose key is not ``wanted``."""
        for key in [k for k in self._values if not wanted(k)]:
            del self._values[key]
