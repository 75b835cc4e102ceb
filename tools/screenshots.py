"""Screenshots of the staff pages for the README, taken on demo data.

    .venv/bin/python tools/screenshots.py            # writes docs/screenshots/*.png

It builds a throwaway SQLite database, loads ``omnidesk demo`` into it, serves the app on a free port
and drives Debian's Chromium (OMNIDESK_CHROMIUM, default /usr/bin/chromium) through Playwright, signed
in as the demo manager. Nothing outside docs/screenshots/ is touched.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("OMNIDESK_CHROMIUM", "/usr/bin/chromium")

# file name, path, what to wait for (a CSS selector that appears once the data is shown), viewport
SHOTS = [
    ("chats.png", "/contact-center/chats", "#chats-table tbody tr[data-id]", (1366, 860)),
    ("contacts.png", "/contact-center/contacts", "#contacts-table tbody tr[data-id]", (1366, 860)),
    ("calls.png", "/contact-center/calls", "#calls-table tbody tr[data-id]", (1366, 860)),
    ("dashboard.png", "/dashboard?days=30", "svg.chart", (1366, 860)),
    ("admin-departments.png", "/admin/departments", "#rows tr td .actions", (1366, 860)),
    ("chats-mobile.png", "/contact-center/chats", "#chats-table tbody tr[data-id]", (390, 844)),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="omnidesk-screens-"))
    port = _free_port()
    os.environ.update(
        {
            "OMNIDESK_DATABASE_URL": f"sqlite:///{workdir / 'demo.sqlite3'}",
            "OMNIDESK_PORT": str(port),
            "OMNIDESK_ARGON2_TIME_COST": "1",
            "OMNIDESK_ARGON2_MEMORY_KIB": "1024",
        }
    )
    sys.path.insert(0, str(ROOT))
    import uvicorn
    from playwright.sync_api import sync_playwright

    from omnidesk import migrate
    from omnidesk.actions.bootstrap import ensure_defaults
    from omnidesk.app import create_app
    from omnidesk.demo.workspace import DEMO_PASSWORD, load_demo
    from omnidesk.services import Services
    from omnidesk.settings import load_settings

    services = Services.build(load_settings())
    migrate.upgrade(services.db)
    with services.transaction() as session:
        ensure_defaults(session)
        print(load_demo(session, passwords=services.passwords))

    server = uvicorn.Server(
        uvicorn.Config(create_app(services), host="127.0.0.1", port=port, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)

    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        for name, path, ready, (width, height) in SHOTS:
            context = browser.new_context(
                base_url=f"http://127.0.0.1:{port}", viewport={"width": width, "height": height}
            )
            page = context.new_page()
            page.goto(f"/login?next={quote(path)}")
            page.get_by_label("Username or email").fill("maria.manager")
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.locator(ready).first.wait_for()
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(OUTPUT / name))
            print(f"wrote {OUTPUT / name}")
            context.close()
        browser.close()
    server.should_exit = True
    return 0


if __name__ == "__main__":
    sys.exit(main())
