"""Faults between the job and an emulator, on 127.0.0.1 only.

Two layers, chained in front of each emulator (job -> errors -> toxiproxy -> emulator):

- `ErrorInjector`, an HTTP proxy of our own: answers a share of requests with the errors AWS
  itself sends (throttling, 5xx), encoded as the caller's protocol expects (JSON, or CBOR for
  the Java SDK's Kinesis client), so the client sees exactly what the service would say.
  Toxiproxy works on bytes and cannot say "throttled".
- Shopify's toxiproxy (`make setup` builds it with `go install`): the network itself. `down()`
  refuses connections, `freeze()` accepts them and holds every byte (a hung peer), `latency()`.

    with FaultProxies.start({"dynamodb": aws.dynamodb_endpoint}) as faults:
        endpoint = faults.endpoint("dynamodb")      # give this to the job
        faults.errors("dynamodb").inject("ProvisionedThroughputExceededException", share=0.3)
        with faults.down("dynamodb"):
            ...
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import json
import os
import random
import signal
import socketserver
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from local.local_aws import PROJECT_ROOT, free_port

TOXIPROXY = Path(os.environ.get("CDR_TOXIPROXY", PROJECT_ROOT / ".tools" / "toxiproxy" / "server"))
# The status AWS sends with each error code.
ERROR_STATUS = {"ProvisionedThroughputExceededException": 400, "LimitExceededException": 400,
                "ThrottlingException": 400, "InternalFailure": 500, "ServiceUnavailable": 503,
                "AccessDeniedException": 400, "ValidationException": 400}


def _cbor_text(text: str) -> bytes:
    data = text.encode()
    if len(data) < 24:
        return bytes([0x60 + len(data)]) + data
    if len(data) < 256:
        return bytes([0x78, len(data)]) + data
    return bytes([0x79]) + len(data).to_bytes(2, "big") + data


def error_body(code: str, content_type: str) -> bytes:
    """{"__type": code, "message": ...} in JSON, or in CBOR for a CBOR request."""
    message = f"injected by the fault proxy: {code}"
    if "cbor" in content_type:
        return bytes([0xA2]) + _cbor_text("__type") + _cbor_text(code) + _cbor_text("message") + _cbor_text(message)
    return json.dumps({"__type": code, "message": message}).encode()


@dataclass
class _Rule:
    code: str
    share: float
    operations: frozenset[str]  # X-Amz-Target suffixes ("GetRecords"); empty: every operation


class ErrorInjector:
    """A forwarding HTTP proxy that answers some requests with an AWS error instead."""

    def __init__(self, upstream: str, seed: int = 15) -> None:
        self.upstream = urlsplit(upstream)
        self.port = free_port()
        self.rules: list[_Rule] = []
        self.injected: Counter[str] = Counter()
        self.forwarded = 0
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        injector = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # AWS JSON/CBOR APIs are POSTs
                injector._handle(self)

            do_GET = do_PUT = do_DELETE = do_HEAD = do_POST

            def log_message(self, *args: Any) -> None:
                pass

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that goes away mid-request (a killed process) is part of the test

        self._server = Server(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def inject(self, code: str, share: float, operations: tuple[str, ...] = ()) -> None:
        """From now on, answer `share` of the requests (of these operations) with `code`."""
        with self._lock:
            self.rules.append(_Rule(code, share, frozenset(operations)))

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    @contextlib.contextmanager
    def injecting(self, code: str, share: float, operations: tuple[str, ...] = ()) -> Iterator[None]:
        self.inject(code, share, operations)
        try:
            yield
        finally:
            self.clear()

    def _choose(self, operation: str) -> str | None:
        with self._lock:
            for rule in self.rules:
                if (not rule.operations or operation in rule.operations) and self._random.random() < rule.share:
                    self.injected[rule.code] += 1
                    return rule.code
            self.forwarded += 1
        return None

    def _handle(self, request: http.server.BaseHTTPRequestHandler) -> None:
        body = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        operation = (request.headers.get("X-Amz-Target") or "").rsplit(".", 1)[-1]
        code = self._choose(operation)
        content_type = request.headers.get("Content-Type") or "application/x-amz-json-1.0"
        if code is not None:
            payload = error_body(code, content_type)
            request.send_response(ERROR_STATUS.get(code, 400))
            request.send_header("Content-Type", content_type)
            request.send_header("x-amzn-ErrorType", code)
            request.send_header("x-amzn-RequestId", "fault-proxy")
            request.send_header("Content-Length", str(len(payload)))
            request.end_headers()
            request.wfile.write(payload)
            return
        try:
            connection = http.client.HTTPConnection(self.upstream.hostname or "127.0.0.1", self.upstream.port,
                                                    timeout=120)
            headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "connection")}
            connection.request(request.command, request.path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
        except OSError:
            request.close_connection = True  # the upstream is down: so is this connection
            return
        request.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                request.send_header(name, value)
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)
        connection.close()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class FaultProxies:
    """Toxiproxy (one proxy per service) behind an error injector per service."""

    api: str
    listeners: dict[str, int]
    injectors: dict[str, ErrorInjector]
    _process: subprocess.Popen[bytes] | None = None
    _log: Path | None = None
    _toxics: Counter[str] = field(default_factory=Counter)

    @classmethod
    def start(cls, upstreams: dict[str, str]) -> FaultProxies:
        """`upstreams`: service name -> the emulator's http://127.0.0.1:port."""
        if not TOXIPROXY.exists():
            raise FileNotFoundError(f"{TOXIPROXY} is missing: run `make setup`")
        api_port = free_port()
        log = Path(tempfile.mkstemp(prefix="toxiproxy-", suffix=".log")[1])
        process = subprocess.Popen([str(TOXIPROXY), "-host", "127.0.0.1", "-port", str(api_port)],
                                   stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
        proxies = cls(f"http://127.0.0.1:{api_port}", {}, {}, process, log)
        try:
            proxies._wait_ready()
            for name, upstream in upstreams.items():
                listen = free_port()
                target = urlsplit(upstream)
                proxies._call("POST", "/proxies", {"name": name, "listen": f"127.0.0.1:{listen}",
                                                   "upstream": f"{target.hostname}:{target.port}", "enabled": True})
                proxies.listeners[name] = listen
                proxies.injectors[name] = ErrorInjector(f"http://127.0.0.1:{listen}")
        except BaseException:
            proxies.stop()
            raise
        return proxies

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 20
        while True:
            try:
                self._call("GET", "/version")
                return
            except OSError:
                if time.monotonic() > deadline or (self._process and self._process.poll() is not None):
                    raise RuntimeError(f"toxiproxy did not start; log in {self._log}") from None
                time.sleep(0.1)

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.api + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
        return json.loads(text) if text else None

    def endpoint(self, name: str) -> str:
        """Where the job should send this service's requests."""
        return self.injectors[name].endpoint

    def errors(self, name: str) -> ErrorInjector:
        return self.injectors[name]

    @contextlib.contextmanager
    def down(self, name: str) -> Iterator[None]:
        """Connections refused (the proxy stops listening; open ones are closed)."""
        self._call("POST", f"/proxies/{name}", {"enabled": False})
        try:
            yield
        finally:
            self._call("POST", f"/proxies/{name}", {"enabled": True})

    @contextlib.contextmanager
    def freeze(self, name: str) -> Iterator[None]:
        """Connections accepted, then nothing flows either way until the fault ends."""
        with self._toxic(name, "timeout", {"timeout": 0}, "upstream"), \
                self._toxic(name, "timeout", {"timeout": 0}, "downstream"):
            yield

    @contextlib.contextmanager
    def latency(self, name: str, millis: int, jitter: int = 0) -> Iterator[None]:
        with self._toxic(name, "latency", {"latency": millis, "jitter": jitter}, "downstream"):
            yield

    @contextlib.contextmanager
    def _toxic(self, name: str, kind: str, attributes: dict[str, Any], stream: str) -> Iterator[None]:
        self._toxics[name] += 1
        toxic = f"{kind}-{stream}-{self._toxics[name]}"
        self._call("POST", f"/proxies/{name}/toxics",
                   {"name": toxic, "type": kind, "stream": stream, "toxicity": 1.0, "attributes": attributes})
        try:
            yield
        finally:
            self._call("DELETE", f"/proxies/{name}/toxics/{toxic}")

    def stop(self) -> None:
        for injector in self.injectors.values():
            injector.stop()
        if self._process is not None and self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
        self._process = None

    def __enter__(self) -> FaultProxies:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
