// The visitor chat widget's shared pieces: where the server is, the visitor's state (its token kept in
// the host site's localStorage), the public livechat API, and the small form helpers. /livechat/widget.js
// serves dom.js, ddp.js, chat-messages.js and the widget-*.js files in one closure (web/widget.py), so
// `Widget` and the rest never reach the host page's globals; the files after this one add their parts to
// it. Embedded twice, the second copy does nothing: `Widget` is null there.
"use strict";

// biome-ignore lint/correctness/noUnusedVariables: the widget-*.js files after this one use it
const Widget = document.getElementById("omnidesk-livechat")
  ? null
  : (() => {
      const { el } = Dom;
      const script = document.currentScript || document.querySelector('script[src*="/livechat/widget.js"]');
      const server = new URL(script ? script.src : "/", location.href).origin;
      const STORE = "omnidesk-livechat";

      function load() {
        try {
          return JSON.parse(localStorage.getItem(STORE) || "{}");
        } catch {
          return {};
        }
      }
      function save() {
        try {
          localStorage.setItem(STORE, JSON.stringify({ token: state.token, rid: state.rid }));
        } catch {
          /* private mode: the chat lasts as long as the page */
        }
      }

      async function api(method, path, body) {
        let url = `${server}/api/v1/livechat/${path}`;
        const options = { method, mode: "cors", credentials: "omit", headers: {} };
        if (body && method === "GET") url += `?${new URLSearchParams(body)}`;
        else if (body) {
          options.headers["Content-Type"] = "application/json";
          options.body = JSON.stringify(body);
        }
        let response;
        try {
          response = await fetch(url, options);
        } catch {
          throw new Error("Cannot reach the chat service. Check your connection and try again.");
        }
        const data = await response.json().catch(() => ({}));
        if (!response.ok || data.success === false) {
          const error = new Error((data.error || `HTTP ${response.status}`).replace(/ \[[^\]]+\]$/, ""));
          error.type = data.errorType || "";
          throw error;
        }
        return data;
      }

      const stored = load();
      const state = {
        token: stored.token || ChatMessages.newId(24),
        rid: stored.rid || "",
        config: null,
        configAt: 0,
        guest: null,
        agent: null,
        queue: null, // the place in line while the chat waits (queueInfo, queueData)
        triggered: [], // what proactive triggers said on this page, before a chat (widget-triggers.js)
        triggeredIds: new Set(),
        open: false,
        view: "loading",
        chat: null, // the chat view's nodes while it shows
        seen: new Set(),
        ddp: null,
        roomSubs: [],
        typingSentAt: 0,
        typingStop: null,
        typingShown: null,
      };
      save();

      function field(label, input, hint) {
        return el(
          "label",
          { class: "field" },
          el("span", {}, label, hint ? el("span", { class: "hint" }, ` ${hint}`) : null),
          input,
        );
      }
      function errorBox() {
        return el("p", { class: "error", role: "alert", hidden: true });
      }
      function showError(box, error) {
        box.textContent = error ? error.message : "";
        box.hidden = !error;
      }
      function busy(button, on, label) {
        button.disabled = on;
        if (label) button.textContent = label;
      }

      return { server, state, save, api, field, errorBox, showError, busy };
    })();
