"""Faults on demand: a small grammar saying which requests fail, and how.

A spec is a list of rules separated by ``;``, spaces or commas::

    rule     = [endpoint ":"] kind ["=" value] [trigger]
    trigger  = "@" fraction            each matching request with that probability
             | "#" nth ("," nth)*      the n-th matching requests (1-based): N, N-M, or N- (N onwards)
                                       no trigger: every matching request
    kind     = 429 | 500 | 502 | 503   that HTTP status
             | timeout[=SECONDS]       hold the connection SECONDS (default 5), then close it unanswered
             | truncate                full headers and Content-Length, half the body, then close
             | notjson                 HTTP 200 with an HTML page instead of JSON
             | latency[=MS]            answer normally, MS (default 1000) milliseconds late
             | rateLimit | requests | token | plan | param[=NAME]
                                       HTTP 200 with that error in ``errors`` (param: NAME, default
                                       season, "The Season field is required.")

Examples: ``500@0.1`` (a tenth of all requests), ``429#3,7`` (the 3rd and 7th),
``fixtures:timeout=2#2`` (the 2nd request to /fixtures hangs 2 s), ``players:truncate#1-3;latency=200@0.5``.

Each rule counts the requests it matches (its endpoint, or all API requests) from the start or the
last reset, so ``#n`` is exact whatever the concurrency. A fraction is decided by hashing
``(seed, rule, n)``: the same seed fails the same request numbers on every run. When several rules
fire for one request, latencies add up and the first other rule wins.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass

STATUSES = ("429", "500", "502", "503")
ERRORS = ("rateLimit", "requests", "token", "plan", "param")
KINDS = {kind.lower(): kind for kind in (*STATUSES, *ERRORS, "timeout", "truncate", "notjson", "latency")}
DEFAULTS = {"timeout": "5", "latency": "1000", "param": "season"}

_RULE = re.compile(r"^(?:(?P<endpoint>[a-z][a-z/_]*):)?(?P<kind>[A-Za-z0-9]+)(?:=(?P<value>[^@#]+))?"
                   r"(?:(?P<trigger>[@#])(?P<when>.+))?$")
_NTH = re.compile(r"^(\d+)(?:(-)(\d*))?$")


@dataclass(frozen=True)
class Rule:
    kind: str
    endpoint: str | None = None
    value: str | None = None
    fraction: float | None = None
    #: (first, last or None for open-ended) ranges of request numbers
    nth: tuple[tuple[int, int | None], ...] = ()

    def fires(self, n: int, seed: int, index: int) -> bool:
        if self.fraction is not None:
            digest = hashlib.blake2b(f"{seed}:{index}:{n}".encode(), digest_size=8).digest()
            return int.from_bytes(digest, "big") / 2**64 < self.fraction
        if self.nth:
            return any(first <= n and (last is None or n <= last) for first, last in self.nth)
        return True


def _rule(text: str) -> Rule:
    match = _RULE.match(text)
    kind = KINDS.get(match.group("kind").lower()) if match else None
    if kind is None:
        raise ValueError(f"fault rule {text!r}: expected [endpoint:]kind[=value][@fraction|#n,...] "
                         f"with kind one of {', '.join(KINDS.values())}")
    value = match.group("value") or DEFAULTS.get(kind)
    if match.group("value") and kind not in DEFAULTS:
        raise ValueError(f"fault rule {text!r}: {kind} takes no value")
    if kind in ("timeout", "latency"):
        try:
            if float(value) < 0:
                raise ValueError
        except ValueError:
            raise ValueError(f"fault rule {text!r}: {kind} needs a number, not {value!r}") from None
    fraction, nth = None, ()
    if match.group("trigger") == "@":
        try:
            fraction = float(match.group("when"))
        except ValueError:
            fraction = -1.0
        if not 0 <= fraction <= 1:
            raise ValueError(f"fault rule {text!r}: the fraction after @ must be between 0 and 1")
    elif match.group("trigger") == "#":
        ranges = []
        for part in match.group("when").split(","):
            numbers = _NTH.match(part)
            if not numbers or int(numbers.group(1)) < 1:
                raise ValueError(f"fault rule {text!r}: {part!r} is not N, N-M or N- (N from 1)")
            first = int(numbers.group(1))
            last = (int(numbers.group(3)) if numbers.group(3) else None) if numbers.group(2) else first
            ranges.append((first, last))
        nth = tuple(ranges)
    return Rule(kind=kind, endpoint=match.group("endpoint"), value=value, fraction=fraction, nth=nth)


def parse(spec: str) -> tuple[Rule, ...]:
    """The rules of a spec; ``ValueError`` names the rule that does not parse and why."""
    texts: list[str] = []
    for chunk in re.split(r"[;\s]+", spec.strip()):
        for piece in filter(None, chunk.split(",")):
            if texts and "#" in texts[-1] and _NTH.match(piece):
                texts[-1] += "," + piece
            else:
                texts.append(piece)
    return tuple(_rule(text) for text in texts)


@dataclass(frozen=True)
class Draw:
    latency_ms: float = 0.0
    rule: Rule | None = None


class Faults:
    def __init__(self, spec: str, seed: int):
        self.rules = parse(spec or "")
        self.seed = seed
        self._seen = [0] * len(self.rules)
        self._lock = threading.Lock()

    def draw(self, endpoint: str) -> Draw:
        """Count this request against every rule it matches and say what befalls it."""
        latency, chosen = 0.0, None
        with self._lock:
            for index, rule in enumerate(self.rules):
                if rule.endpoint is not None and rule.endpoint != endpoint:
                    continue
                self._seen[index] += 1
                if not rule.fires(self._seen[index], self.seed, index):
                    continue
                if rule.kind == "latency":
                    latency += float(rule.value)
                elif chosen is None:
                    chosen = rule
        return Draw(latency, chosen)

    def reset(self) -> None:
        with self._lock:
            self._seen = [0] * len(self.rules)
