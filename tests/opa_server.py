"""A stand-in for an OPA server, for tests: the REST Policy API and Data API with OPA's documented request and
response shapes (openpolicyagent.org/docs/rest-api), evaluating with regorus. No OPA binary exists here.

- GET    /v1/policies          -> 200 {"result": [{"id", "raw"}]}
- PUT    /v1/policies/<id>     text/plain Rego -> 200 {} | 400 {"code": "invalid_parameter", "message", "errors"}
- DELETE /v1/policies/<id>     -> 200 {} | 404 {"code": "resource_not_found", "message"}
- POST   /v1/data/<path>       {"input": ...} -> 200 {"result": value} (no "result" key when undefined)
                               | 500 {"code": "internal_error", "message"} when evaluation fails
- any request without the expected bearer token -> 401 {"code": "unauthorized", "message"}
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import regorus


class FakeOpa:
    def __init__(self, token: str | None = None, delay: float = 0.0) -> None:
        self.token = token
        self.delay = delay
        self.policies: dict[str, str] = {}
        self._lock = threading.Lock()  # requests are served on threads of their own: policies change under them
        self.requests: list[tuple[str, str]] = []
        self.inputs: list[str] = []  # the raw bodies of data queries, as received
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.handle_error = lambda request, address: None  # a client that gave up is not news
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeOpa:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def evaluate(self, path: str, document: dict) -> tuple[int, dict]:
        engine = regorus.Engine()
        try:
            with self._lock:
                policies = list(self.policies.items())
            for identifier, source in policies:
                engine.add_policy(identifier, source)
            if "input" in document:
                engine.set_input_json(json.dumps(document["input"]))
            answer = json.loads(engine.eval_query_as_json("data." + path.strip("/").replace("/", ".")))
        except RuntimeError as exc:
            return 500, {"code": "internal_error", "message": str(exc).splitlines()[0]}
        rows = answer.get("result") or []
        if not rows:
            return 200, {}  # undefined: OPA answers without a "result" key
        return 200, {"result": rows[0]["expressions"][0]["value"]}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _allowed(self) -> bool:
                fake.requests.append((self.command, self.path))
                if fake.delay:
                    time.sleep(fake.delay)
                if fake.token and self.headers.get("Authorization") != f"Bearer {fake.token}":
                    self._reply(401, {"code": "unauthorized", "message": "The request is not authorized."})
                    return False
                return True

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                if not self._allowed():
                    return
                if self.path.rstrip("/") == "/v1/policies":
                    with fake._lock:
                        listed = [{"id": i, "raw": r} for i, r in fake.policies.items()]
                    self._reply(200, {"result": listed})
                else:
                    self._reply(404, {"code": "resource_not_found", "message": f"{self.path} not found"})

            def do_PUT(self) -> None:  # noqa: N802
                source = self._body().decode()
                if not self._allowed():
                    return
                identifier = self.path.removeprefix("/v1/policies/")
                try:
                    regorus.Engine().add_policy(identifier, source)  # a parse check, as OPA does on upload
                except RuntimeError as exc:
                    error = {"code": "rego_parse_error", "message": str(exc).splitlines()[0],
                             "location": {"file": identifier, "row": 1, "col": 1}}
                    self._reply(400, {"code": "invalid_parameter",
                                      "message": "error(s) occurred while compiling module(s)", "errors": [error]})
                    return
                with fake._lock:
                    fake.policies[identifier] = source
                self._reply(200, {})

            def do_DELETE(self) -> None:  # noqa: N802
                if not self._allowed():
                    return
                identifier = self.path.removeprefix("/v1/policies/")
                with fake._lock:
                    removed = fake.policies.pop(identifier, None)
                if removed is None:
                    self._reply(404, {"code": "resource_not_found", "message": f"storage_not_found_error: policy id {identifier!r}"})
                else:
                    self._reply(200, {})

            def do_POST(self) -> None:  # noqa: N802
                body = self._body()
                if not self._allowed():
                    return
                fake.inputs.append(body.decode())
                if not self.path.startswith("/v1/data/"):
                    self._reply(404, {"code": "resource_not_found", "message": self.path})
                    return
                status, answer = fake.evaluate(self.path.removeprefix("/v1/data/").split("?")[0],
                                               json.loads(body or b"{}"))
                self._reply(status, answer)

        return Handler
