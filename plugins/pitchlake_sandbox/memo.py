"""A bounded, thread-safe memo whose concurrent callers of one key wait for a single computation.

``functools.lru_cache`` lets every thread that misses at the same moment compute the same value;
for a season (hundreds of fixtures with their details) that is the whole CPU of a benchmark's
first second times the number of client threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Memo(Generic[V]):
    def __init__(self, compute: Callable[..., V], maxsize: int):
        self._compute = compute
        self._maxsize = maxsize
        self._values: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self._pending: dict[Hashable, threading.Lock] = {}

    def __call__(self, *key: Hashable) -> V:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            pending = self._pending.setdefault(key, threading.Lock())
        with pending:
            with self._lock:
                if key in self._values:
                    return self._values[key]
            value = self._compute(*key)
            with self._lock:
                self._values[key] = value
                if len(self._values) > self._maxsize:
                    self._values.popitem(last=False)
                self._pending.pop(key, None)
            return value
