"""A loopback HTTP server that replays the live sources' answers, with faults on demand.

``routes`` maps a path with its query (``/api/history/public``) or a path alone to a
handler returning ``(status, headers, body)``; ``faults`` maps the same keys to a list of
faults served first, one per request: ``500``, ``(429, seconds)``, ``"timeout"`` (the
answer comes after the client gave up), ``"truncated"`` (a Content-Length longer than the
body). Every request is logged with its headers.
"""

from __future__ import annotations

import hashlib
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Replay:
    def __init__(self) -> None:
        self.routes: dict[str, object] = {}
        self.faults: dict[str, list] = {}
        self.log: list[tuple[str, dict]] = []
        self.delay_s = 1.0
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                replay.log.append((self.path, dict(self.headers)))
                url = urllib.parse.urlsplit(self.path)
                key = self.path if self.path in replay.routes or self.path in replay.faults else url.path
                queue = replay.faults.get(key) or []
                if queue:
                    fault = queue.pop(0)
                    if fault == "timeout":
                        time.sleep(replay.delay_s)
                    elif fault == "truncated":
                        status, headers, body = replay.answer(key, url)
                        self.send_response(status)
                        self.send_header("Content-Length", str(len(body) + 100))
                        self.end_headers()
                        self.wfile.write(body[: len(body) // 2])
                        self.close_connection = True
                        return
                    else:
                        code, wait = fault if isinstance(fault, tuple) else (fault, None)
                        self.send_response(code)
                        if wait is not None:
                            self.send_header("Retry-After", str(wait))
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                status, headers, body = replay.answer(key, url)
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if status == 200 and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                if status == 200:
                    self.send_header("ETag", etag)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, key: str, url) -> tuple[int, dict, bytes]:
        handler = self.routes.get(key)
        if handler is None:
            return 404, {}, b'{"error": "not found"}'
        return handler(urllib.parse.parse_qs(url.query)) if callable(handler) else (200, {}, handler)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def paths(self) -> list[str]:
        return [urllib.parse.urlsplit(p).path for p, _ in self.log]

    def __enter__(self) -> Replay:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
