// Small helpers every page uses: calling the REST API with the session's CSRF token, links, dates, toasts;
// and Dom.el (dom.js, loaded before this file) as Omnidesk.el.
"use strict";

// biome-ignore lint/correctness/noUnusedVariables: the global every page's scripts use
const Omnidesk = (() => {
  const { el } = Dom;
  const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content || "";

  // What a refusal means, by its error type. Rocket.Chat answers some refusals with a bare id (the error
  // is the errorType alone) and others in its generic wording with the id in brackets ("User does not
  // have the permissions required for this action [error-unauthorized]"): the pages say a sentence.
  const ERROR_TEXTS = {
    "error-forwarding-chat": "Choose an agent or a department.",
    "error-forwarding-chat-same-department": "The chat is already in that department.",
    "error-invalid-department": "That department cannot take chats.",
    "error-invalid-room": "This chat does not exist.",
    "error-max-number-simultaneous-chats-reached": "That agent has no room for another chat.",
    "error-no-agents-online-in-department": "No agent of that department is available.",
    "error-not-authorized": "Only its agent or a supervisor may do that.",
    "error-room-already-closed": "This chat is already closed.",
    "error-room-onHold": "Resume the chat first: it is on hold.",
    "error-selected-agent-room-agent-are-same": "That agent already serves this chat.",
    "error-tags-must-be-assigned-before-closing-chat": "Choose at least one tag to close this chat.",
    "error-unauthorized": "You do not have permission to do that.",
    "error-user-is-offline": "That agent is not available.",
    "error-user-not-belong-to-department": "That agent does not serve that department.",
    This_conversation_is_already_closed: "This chat is already closed.",
  };

  async function api(method, path, body) {
    const options = { method, headers: { "X-CSRF-Token": meta("csrf-token") }, credentials: "same-origin" };
    let url = `/api/v1/${path}`;
    if (body !== undefined && method === "GET") {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(body)) {
        if (value === undefined || value === null || value === "") continue;
        if (Array.isArray(value)) {
          for (const item of value) params.append(key, item);
        } else params.append(key, typeof value === "object" ? JSON.stringify(value) : value);
      }
      url += `?${params}`;
    } else if (body instanceof FormData) {
      options.body = body; // a file upload: the browser writes the multipart boundary
    } else if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(url, options);
    const data = await response.json().catch(() => ({ success: false, error: response.statusText }));
    if (!response.ok || data.success === false) {
      const text = ERROR_TEXTS[data.errorType] || data.error || data.message;
      const error = new Error(text || `HTTP ${response.status}`);
      error.response = data;
      throw error;
    }
    return data;
  }

  // An address from data people typed or providers sent becomes a link only if it is absolute http(s):
  // "javascript:..." would run in our pages and "data:..." show content as our own site.
  function webUrl(value) {
    try {
      const url = new URL(String(value));
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : "";
    } catch {
      return "";
    }
  }

  // A link to another site (opened in a new tab, with no referrer), or the address as plain text.
  function externalLink(value, label = value) {
    const href = webUrl(value);
    if (!href) return el("span", {}, String(value));
    return el("a", { href, rel: "noopener noreferrer", target: "_blank" }, label);
  }

  function formatDate(iso) {
    if (!iso) return "";
    const date = new Date(iso);
    return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  }

  function formatDuration(seconds) {
    if (seconds === null || seconds === undefined) return "";
    const total = Math.round(seconds);
    const h = Math.floor(total / 3600),
      m = Math.floor((total % 3600) / 60),
      s = total % 60;
    return [h, m, s].map((part) => String(part).padStart(2, "0")).join(":");
  }

  function toast(message, kind = "info") {
    const region =
      document.getElementById("toasts") ||
      document.body.appendChild(el("div", { id: "toasts", role: "status", "aria-live": "polite" }));
    const item = el("div", { class: `toast toast-${kind}` }, message);
    region.append(item);
    setTimeout(() => item.remove(), 4000);
  }

  function debounce(fn, ms = 250) {
    let timer;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
  }

  // On a phone the menu hides behind the top bar's Menu button (app.css); Escape closes it again.
  const menuButton = document.querySelector(".menu-toggle");
  function showMenu(open) {
    menuButton.setAttribute("aria-expanded", String(open));
    menuButton.closest(".sidebar").classList.toggle("menu-open", open);
  }
  if (menuButton) {
    menuButton.addEventListener("click", () => showMenu(menuButton.getAttribute("aria-expanded") !== "true"));
    menuButton.closest(".sidebar").addEventListener("keydown", (event) => {
      if (event.key === "Escape" && menuButton.getAttribute("aria-expanded") === "true") {
        showMenu(false);
        menuButton.focus();
      }
    });
  }

  return { api, el, webUrl, externalLink, formatDate, formatDuration, toast, debounce, meta };
})();
