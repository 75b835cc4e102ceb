"""The one outbound-HTTP helper, against a local server: form and JSON bodies, credentials, error answers
returned rather than raised, redirects never followed, and an unreachable server."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from omnidesk import outbound_http


class Recorder(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.received.append(
            {"path": self.path, "headers": dict(self.headers), "body": self.rfile.read(length).decode()}
        )
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status = 400 if self.path.startswith("/refuse") else 201
        answer = json.dumps(
            {"code": 21211, "message": "bad number"} if status == 400 else {"sid": "SM1"}
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    Recorder.received = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_form_is_posted_with_basic_auth(server: str) -> None:
    response = outbound_http.post(
        f"{server}/Messages.json",
        form=[("To", "+15550102233"), ("Body", "Hé & co")],
        basic_auth=("AC1", "secret"),
    )
    assert response.ok and response.status == 201
    assert response.json() == {"sid": "SM1"}
    [request] = Recorder.received
    assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert request["headers"]["Authorization"] == "Basic " + base64.b64encode(b"AC1:secret").decode()
    assert request["body"] == "To=%2B15550102233&Body=H%C3%A9+%26+co"
    assert request["headers"]["User-Agent"].startswith("Omnidesk/")


def test_json_is_posted_with_a_bearer_token(server: str) -> None:
    outbound_http.post(f"{server}/messages", json_body={"text": {"body": "hi"}}, bearer_token="EAAG")
    [request] = Recorder.received
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["Authorization"] == "Bearer EAAG"
    assert json.loads(request["body"]) == {"text": {"body": "hi"}}


def test_json_serialised_already_is_sent_as_it_is(server: str) -> None:
    outbound_http.post(f"{server}/hook", json_bytes='{"b":1, "a":"é"}'.encode())
    [request] = Recorder.received
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["body"] == '{"b":1, "a":"é"}'


def test_a_redirect_is_the_answer_and_is_not_followed(server: str) -> None:
    response = outbound_http.post(f"{server}/redirect", json_body={"secret": "s"})
    assert response.status == 302 and not response.ok
    assert [request["path"] for request in Recorder.received] == ["/redirect"]


def test_an_error_answer_is_returned_not_raised(server: str) -> None:
    response = outbound_http.post(f"{server}/refuse", form=[("To", "x")])
    assert not response.ok and response.status == 400
    assert response.json() == {"code": 21211, "message": "bad number"}


def test_an_unreachable_server_raises(server: str) -> None:
    with pytest.raises(outbound_http.HttpUnreachable):
        outbound_http.post("http://127.0.0.1:9/nothing-listens-here", form=[], timeout=2)
