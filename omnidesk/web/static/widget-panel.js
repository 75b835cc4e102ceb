// The visitor widget's frame: one element (#omnidesk-livechat) whose shadow root holds the launcher
// button and the panel, so the host page's styles cannot reach in and ours cannot leak out; opening and
// closing, the title and subtitle, and `show`, which puts one view in the panel.
"use strict";

(() => {
  if (!Widget) return; // embedded twice
  const { el } = Dom;
  const { server, state } = Widget;

  const host = el("div", { id: "omnidesk-livechat" });
  const shadow = host.attachShadow({ mode: "open" });
  const launcher = el(
    "button",
    { type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "odl-panel" },
    el("span", { class: "launcher-icon", "aria-hidden": "true" }, "💬"),
    el("span", { class: "launcher-label" }, "Chat with us"),
    el(
      "span",
      { class: "launcher-unread", hidden: true },
      el("span", { class: "visually-hidden" }, "(new message)"),
    ),
  );
  const title = el("h2", { id: "odl-title" }, "Chat");
  const subtitle = el("p", { class: "subtitle", role: "status" });
  const minimize = el("button", { type: "button", class: "icon", "aria-label": "Minimize the chat" }, "–");
  const body = el("div", { class: "body" });
  const watermark = el("p", { class: "watermark" }, "Powered by Omnidesk");
  const panel = el(
    "section",
    { class: "panel", id: "odl-panel", role: "dialog", "aria-labelledby": "odl-title", hidden: true },
    el("header", { class: "header" }, el("div", { class: "titles" }, title, subtitle), minimize),
    body,
    watermark,
  );
  shadow.append(el("link", { rel: "stylesheet", href: `${server}/static/widget.css` }), panel, launcher);
  if (document.body) document.body.append(host);
  else document.addEventListener("DOMContentLoaded", () => document.body.append(host));

  // Where focus goes when the panel opens or changes view: the message box first, else the first field.
  function focusFirst() {
    const target =
      body.querySelector("textarea:not([disabled])") || body.querySelector("input, button:not([disabled])");
    (target || minimize).focus();
  }

  // An answer that arrives while the panel is closed marks the button until it opens.
  function setUnread(unread) {
    launcher.classList.toggle("has-unread", unread);
    launcher.querySelector(".launcher-unread").hidden = !unread;
  }

  function setOpen(open) {
    state.open = open;
    if (open) setUnread(false);
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    launcher.classList.toggle("is-open", open);
    if (open) {
      // A page left open a while says "offline" or "online" from long ago: ask again before a chat starts.
      const idle = ["offline", "register", "disabled"].includes(state.view);
      Widget.ensureStarted({ again: idle && Date.now() - state.configAt > 60000 });
      focusFirst();
    }
  }
  launcher.addEventListener("click", () => {
    setOpen(!state.open);
    if (state.open) Widget.onTriggerEvent("chat-opened-by-visitor");
  });
  minimize.addEventListener("click", () => {
    setOpen(false);
    launcher.focus();
  });
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      setOpen(false);
      launcher.focus();
    }
  });

  function show(view, ...nodes) {
    state.view = view;
    body.replaceChildren(...nodes);
    body.dataset.view = view;
    if (state.open) focusFirst();
  }

  // The server accepts only hex colours for these; anything else here is ignored, never put in CSS.
  const hexColour = (value) => (typeof value === "string" && /^#[0-9a-fA-F]{3,8}$/.test(value) ? value : "");
  function setColour(name, value) {
    if (hexColour(value)) host.style.setProperty(name, value);
    else host.style.removeProperty(name);
  }

  // Rocket.Chat's theme: the title and colour online (or in a chat), the offline ones otherwise; the
  // corner the widget sits in, the messages' background; and its settings' watermark.
  function applyTheme() {
    const theme = state.config?.theme || {};
    const settings = state.config?.settings || {};
    const online = state.config?.online || Boolean(state.rid);
    title.textContent = (online ? theme.title : theme.offlineTitle || theme.title) || "Chat";
    setColour("--odl-accent", online ? theme.color : hexColour(theme.offlineColor) || theme.color);
    setColour("--odl-messages-bg", theme.background);
    host.classList.toggle("position-left", theme.position === "left");
    host.dataset.online = String(online);
    watermark.hidden = Boolean(settings.hideWatermark);
    launcher.querySelector(".launcher-label").textContent = online ? "Chat with us" : "Leave a message";
  }

  function updateSubtitle() {
    if (!state.rid) subtitle.textContent = state.config?.online ? "We're online" : "";
    else if (state.agent && !state.agent.hiddenInfo) {
      // Livechat_show_agent_email: the address comes only when the workspace shows it.
      const email = state.agent.emails?.[0]?.address;
      const who = state.agent.name || state.agent.username;
      subtitle.textContent = `You're chatting with ${who}${email ? ` (${email})` : ""}`;
    } else if (state.agent) subtitle.textContent = "An agent is with you";
    else if (state.queue?.spot) subtitle.textContent = queueText(state.queue);
    else subtitle.textContent = "Waiting for an agent…";
  }

  // Rocket.Chat's queueInfo: the visitor's place in line and, once chats have been served, the wait.
  function queueText({ spot, estimatedWaitTimeSeconds: wait }) {
    const place = spot === 1 ? "You're next in line" : `You're number ${spot} in line`;
    if (!wait) return `${place}…`;
    const minutes = Math.max(1, Math.round(wait / 60));
    return `${place} · about ${minutes} minute${minutes === 1 ? "" : "s"}`;
  }

  Object.assign(Widget, { launcher, subtitle, show, setOpen, setUnread, applyTheme, updateSubtitle });
})();
