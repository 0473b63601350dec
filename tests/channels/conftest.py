"""A local robot: an HTTP server on 127.0.0.1 that answers as 企业微信's and 钉钉's group robots
do, and records every request (path, query, JSON body, time). No test reaches outside.

The key (WeCom `key=`, DingTalk `access_token=`) says how the robot answers:
  ok          errcode 0, "ok"
  err<code>   that errcode, with an errmsg as the robot writes it
  slow        answers after 2 s (the tests' timeout is 0.3 s)
  429once     HTTP 429 the first time, then errcode 0
  500once     HTTP 500 the first time, then errcode 0
  always429   HTTP 429 every time
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

ERRMSGS = {
    93000: "invalid webhook url, hint: [1700000000000000000000001]",
    45009: "api freq out of limit",
    310000: "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]",
    130101: "send too fast, exceed 20 times per minute",
}


@dataclass
class Seen:
    path: str
    query: dict[str, str]
    body: dict
    at: float
    content_type: str


class Robot:
    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def wecom(self, key: str = "ok") -> str:
        return f"{self.base}/cgi-bin/webhook/send?key={key}"

    def dingtalk(self, token: str = "ok") -> str:
        return f"{self.base}/robot/send?access_token={token}"

    def seen(self, key: str) -> list[Seen]:
        return [
            r for r in self.requests if key in (r.query.get("key"), r.query.get("access_token"))
        ]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parts.query))
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                key = query.get("key") or query.get("access_token") or ""
                with robot.lock:
                    robot.requests.append(
                        Seen(
                            parts.path, query, body, time.monotonic(), self.headers["Content-Type"]
                        )
                    )
                    robot.counts[key] = robot.counts.get(key, 0) + 1
                    count = robot.counts[key]
                if key == "slow":
                    time.sleep(2)
                if key == "always429" or (key == "429once" and count == 1):
                    return self._answer(429, {"errcode": -1, "errmsg": "too many"}, retry_after="0")
                if key == "500once" and count == 1:
                    return self._answer(500, {"errcode": -1, "errmsg": "system busy"})
                if key.startswith("err"):
                    code = int(key[3:])
                    return self._answer(
                        200, {"errcode": code, "errmsg": ERRMSGS.get(code, "error")}
                    )
                self._answer(200, {"errcode": 0, "errmsg": "ok"})

            def _answer(self, status: int, payload: dict, retry_after: str | None = None) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    if retry_after is not None:
                        self.send_header("Retry-After", retry_after)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout)

        return Handler


@pytest.fixture
def robot(settings):
    """The local robot, and settings that let channels post to it quickly."""
    settings.CHANNELS_WEBHOOK_HOSTS = {"wecom": ("127.0.0.1",), "dingtalk": ("127.0.0.1",)}
    settings.CHANNELS_WEBHOOK_HTTP_HOSTS = ("127.0.0.1",)
    settings.CHANNELS_TIMEOUT = 0.3
    settings.CHANNELS_BACKOFF = 0.01
    settings.CHANNELS_ATTEMPTS = 3
    settings.CHANNELS_RATE_LIMIT = 20
    settings.CHANNELS_RATE_WINDOW = 60
    settings.CHANNELS_RATE_MAX_WAIT = 5
    settings.CHANNELS_SECRET_KEY = "T8v4c1V0n3mHn5Qm3pW9bq3mYw4m8n1Zc6lYk8yX2Bo="
    settings.SITE_URL = "https://shishi.example.cn"
    # the channels' task runs at once here; tests/channels/test_channels_tasks.py queues it
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    server = Robot()
    yield server
    server.close()
