"""The widget's script and its standalone test page are public; the script keeps to its own closure."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_the_widget_script_is_public_and_adds_no_globals(anonymous: TestClient) -> None:
    response = anonymous.get("/livechat/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    script = response.text
    assert script.startswith("(() => {\n") and script.rstrip().endswith("})();")
    assert "class Client" in script  # ddp.js, inside the closure
    assert "omnidesk-livechat" in script


def test_the_test_page_embeds_the_widget_without_signing_in(anonymous: TestClient) -> None:
    response = anonymous.get("/livechat/test-page")
    assert response.status_code == 200
    assert '<script src="/livechat/widget.js" async></script>' in response.text
    assert '&lt;script src="http://testserver/livechat/widget.js" async&gt;' in response.text
