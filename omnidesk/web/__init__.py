"""The browser side: server-rendered pages with small scripts, no build step."""
