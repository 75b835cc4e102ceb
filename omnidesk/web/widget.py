"""The visitor chat widget: one script any site embeds, and a standalone page that embeds it.

``<script src="https://desk.example.com/livechat/widget.js" async></script>`` draws a chat button and
panel on the page. The script is ``WIDGET_SOURCES`` from ``static/`` (the shared ``dom.js``, ``ddp.js`` and
``chat-messages.js``, then the widget's own ``widget-*.js``) in one closure, so nothing leaks into the host
page's globals; it talks to the public ``/api/v1/livechat/*`` endpoints (which
answer CORS, see ``api/cors.py``) and to ``/websocket`` with the visitor's token, as Rocket.Chat's
livechat SDK does. It never uses a cookie.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.web.render import WEB_DIR, templates

router = APIRouter(route_class=OneThreadRoute, include_in_schema=False)

# In this order: each file uses what the ones before it define.
WIDGET_SOURCES = (
    "dom.js",
    "ddp.js",
    "chat-messages.js",
    "widget-core.js",
    "widget-panel.js",
    "widget-forms.js",
    "widget-stream.js",
    "widget-verification.js",
    "widget-chat.js",
    "widget-triggers.js",
    "widget-start.js",
)


def widget_script() -> str:
    parts = [(WEB_DIR / "static" / name).read_text(encoding="utf-8") for name in WIDGET_SOURCES]
    return "(() => {\n" + "\n".join(parts) + "\n})();\n"


@router.get("/livechat/widget.js")
def widget_js() -> Response:
    return Response(
        widget_script(),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Access-Control-Allow-Origin": "*"},
    )


@router.get("/livechat/test-page")
def test_page(request: Request) -> HTMLResponse:
    server = str(request.base_url).rstrip("/")
    return templates.TemplateResponse(request, "widget/test_page.html", {"server": server})
