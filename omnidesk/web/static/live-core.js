// The agent's live view (/live): the queue, my open chats and one conversation, kept current over DDP.
// Data comes from the REST API; the WebSocket only says when to look again (and carries messages and
// typing). Every piece of user data is rendered with Omnidesk.el / textContent.
//
// This file holds what the live-*.js files after it share, as the global `Live`: the page's flags, the
// state, names and labels, and the dialogs' helpers. Each later file adds its parts to `Live`; the last,
// live-start.js, connects and loads.
"use strict";

// biome-ignore lint/correctness/noUnusedVariables: the global the live-*.js files after this one use
const Live = (() => {
  const { meta } = Omnidesk;
  const root = document.getElementById("live");
  const $ = (id) => document.getElementById(id);
  const me = { id: meta("user-id"), username: meta("username") };
  const flags = {
    agent: root.dataset.isAgent === "true",
    block: root.dataset.canBlock === "true",
    editContact: root.dataset.canEditContact === "true",
    transfer: root.dataset.canTransfer === "true",
    close: root.dataset.canClose === "true",
    supervise: root.dataset.canSupervise === "true",
  };
  const SOURCES = {
    widget: "Web chat",
    api: "API",
    sms: "SMS",
    email: "Email",
    voice: "Phone",
    app: "App",
    other: "Other",
  };
  const state = {
    rid: root.dataset.roomId || "",
    room: null,
    contact: null,
    roomSubs: [],
    seen: new Set(),
    unread: new Set(),
    taking: new Set(), // chats this agent is taking: their arrival in "my chats" is no news to it
    joined: new Set(), // the chats this user joined beside their agent (a `uj` message of theirs)
    queue: null, // null until loaded: the list shows its loading state
    mine: null,
    typingSentAt: 0,
    typingStop: null,
    typingShown: null,
  };

  // --- helpers ---------------------------------------------------------------------------------------

  const { toDate } = ChatMessages;
  const sourceLabel = (source) => (source && (source.label || SOURCES[source.type] || source.type)) || "";
  const visitorName = (room) =>
    (room && (room.fname || (room.v && (room.v.name || room.v.username)))) || "Visitor";
  const waitedFor = (value) => {
    const date = toDate(value);
    if (!date) return "";
    const minutes = Math.max(0, Math.round((Date.now() - date.getTime()) / 60000));
    return minutes < 1
      ? "just now"
      : minutes < 60
        ? `${minutes} min`
        : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  };
  function showError(form, error) {
    const alert = form.querySelector(".alert-error");
    alert.textContent = error ? error.message : "";
    alert.hidden = !error;
  }
  function openDialog(dialog) {
    const form = dialog.querySelector("form");
    showError(form, null);
    dialog.showModal();
  }
  for (const dialog of document.querySelectorAll("dialog")) {
    dialog.querySelector("[data-cancel]").addEventListener("click", () => dialog.close());
  }

  return { root, $, me, flags, state, sourceLabel, visitorName, waitedFor, showError, openDialog, ddp: null };
})();
