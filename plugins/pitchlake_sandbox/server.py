"""The sandbox's HTTP side: a threaded HTTP/1.1 keep-alive server on the stdlib, and its lifecycle.

Each response goes out in one ``write`` with ``TCP_NODELAY``: split into headers and body, a
keep-alive response meets Nagle's algorithm and the client's delayed ACK and waits 40 ms, which
would cap a client at 25 requests a second per connection. ``/_sandbox/*`` are the sandbox's own
routes (stats, reset, new day), never counted and never refused.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import traceback
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from . import DEFAULT_KEY, recorded
from .api import Api
from .faults import Faults
from .gateway import Gateway, Reply
from .limits import Quota
from .memo import Memo
from .stats import Stats
from .world import World

REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 429: "Too Many Requests",
           500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}

def _api(data: recorded.Recorded, seed: int, teams: int, today: date, plan: tuple[int, int] | None) -> Api:
    return Api(data, World(data, seed, teams, today), plan)


#: One API per configuration and recorded data, shared by the sandboxes of a process (a test
#: suite starts dozens): synthesised seasons and answers are then paid for once.
_apis: Memo[Api] = Memo(_api, 8)


def _plan(seasons: str | Sequence[int] | None) -> tuple[int, int] | None:
    if seasons is None or seasons == "":
        return None
    if isinstance(seasons, str):
        low, _, high = seasons.partition("-")
        seasons = (int(low), int(high or low))
    low, high = int(seasons[0]), int(seasons[-1])
    if low > high:
        raise ValueError(f"plan seasons {low}-{high}: the first season is after the last")
    return low, high


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, address, gateway: Gateway, sandbox: Sandbox):
        super().__init__(address, _Handler)
        self.gateway, self.sandbox = gateway, sandbox
        self.stopping = threading.Event()
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up mid-answer (as after a truncated body or its own timeout) is
        business as usual; anything else is a bug worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pitchlake-sandbox"
    disable_nagle_algorithm = True
    #: an idle keep-alive connection is closed after this many seconds
    timeout = 120
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args) -> None:
        """Silent: a benchmark would spend its time writing access logs to stderr."""

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        path = url.path.strip("/")
        path = path[3:] if path.startswith("v3/") else path
        if path.startswith("_sandbox/"):
            return self._control("GET", path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            reply = self.server.gateway.handle(path, dict(parse_qsl(url.query, keep_blank_values=True)), headers)
        except Exception:
            # A bug of the sandbox, not an injected fault: say so loudly, and still count it.
            traceback.print_exc()
            self.server.gateway.stats.record(path, "500", "sandbox")
            reply = Reply(500, b'{"message":"sandbox error, see its stderr"}')
        self._reply(reply)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._control("POST", urlsplit(self.path).path.strip("/"))

    def _control(self, method: str, path: str) -> None:
        sandbox = self.server.sandbox
        routes = {("GET", "_sandbox/stats"): sandbox.stats, ("POST", "_sandbox/reset"): sandbox.reset,
                  ("POST", "_sandbox/new-day"): sandbox.new_day}
        if (method, path) in routes:
            result = routes[(method, path)]()
            self._send(200, json.dumps(result if result is not None else {"ok": True}).encode())
        elif any(route == path for _, route in routes):
            self._send(405, b'{"message":"Method Not Allowed"}')
        else:
            self._send(404, b'{"message":"Not Found"}')

    def _reply(self, reply: Reply) -> None:
        wait = self.server.stopping.wait
        if reply.delay:
            wait(reply.delay)
        if reply.status == 0:
            wait(reply.hang)
            self.close_connection = True
            return
        self._send(reply.status, reply.body, reply.headers, reply.content_type, cut=reply.cut)

    def _send(self, status: int, body: bytes, headers: Iterable[tuple[str, str]] = (),
              content_type: str = "application/json", cut: bool = False) -> None:
        lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}", f"Server: {self.server_version}",
                 f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers]
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if cut:
            self.wfile.write(head + body[: len(body) // 2])
            self.close_connection = True
        else:
            self.wfile.write(head + body)


class Sandbox:
    """An API-Football v3 compatible server on ``host:port`` (port 0: a free one), in a thread.

    Use as a context manager; ``url`` is the base URL to give a client. ``minute_seconds``
    shortens the per-minute window for tests. ``today`` (``YYYY-MM-DD``, default the real UTC
    date) decides the current season and which of its matches are played.
    """

    def __init__(self, data: Iterable[str | os.PathLike] = (), *, per_minute: int = 300, per_day: int = 7500,
                 faults: str = "", seed: int = 0, latency_ms: float = 0, keys: Iterable[str] = (DEFAULT_KEY,),
                 today: str | date | None = None, teams: int = 20, host: str = "127.0.0.1", port: int = 0,
                 minute_seconds: float = 60.0, plan_seasons: str | Sequence[int] | None = None):
        if isinstance(data, (str, os.PathLike)):
            data = [data]
        if isinstance(keys, str):
            keys = (keys,)
        if isinstance(today, str):
            today = date.fromisoformat(today)
        today = today or datetime.now(UTC).date()
        self.recorded = recorded.load(data)
        self.api = _apis(self.recorded, seed, teams, today, _plan(plan_seasons))
        self.quota = Quota(per_minute, per_day, window=minute_seconds)
        self.faults = Faults(faults, seed)
        self._stats = Stats()
        self.gateway = Gateway(self.api, self.quota, self.faults, self._stats, tuple(keys), latency_ms)
        self.host, self.port = host, port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Sandbox:
        self._server = _Server((self.host, self.port), self.gateway, self)
        # A short poll interval makes stop() (and so every test's teardown) quick.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"sandbox-{self.url}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake requests held by faults and close every open connection."""
        server, self._server = self._server, None
        if server is None:
            return
        server.stopping.set()
        server.shutdown()
        server.server_close()
        with server.connections_lock:
            for connection in list(server.connections):
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        self._thread.join()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def stats(self) -> dict:
        return self._stats.snapshot()

    def reset(self) -> None:
        """Zero the counts, the quotas and the fault rules' request numbers."""
        self._stats.reset()
        self.quota.reset()
        self.faults.reset()

    def new_day(self) -> None:
        """Give every key its full daily quota again, as midnight UTC does."""
        self.quota.new_day()
