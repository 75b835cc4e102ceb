// The visitor widget's start: the configuration, then the right view (registration, offline, the chat).
// The configuration loads with the page, so the button says whether anyone is online and a returning
// visitor's open chat is ready when the panel opens.
"use strict";

(() => {
  if (!Widget) return; // embedded twice
  const { el } = Dom;
  const { state, save, api, show, applyTheme, showRegister, showOffline, showChat } = Widget;

  // `again`: ask for the configuration anew (a page left open a while knows it from long ago).
  let starting = null;
  function ensureStarted({ again = false } = {}) {
    if (again) starting = null;
    if (!starting) starting = start();
    return starting;
  }

  async function start() {
    show("loading", el("p", { class: "loading", role: "status" }, "Loading…"));
    try {
      const data = await api("GET", "config", { token: state.token });
      state.config = data.config;
      state.configAt = Date.now();
    } catch (error) {
      state.config = null;
      starting = null;
      const retry = el(
        "button",
        { type: "button", class: "button", onclick: () => ensureStarted() },
        "Try again",
      );
      show("error", el("div", { class: "empty" }, el("p", {}, error.message), retry));
      return;
    }
    const config = state.config;
    state.guest = config.guest || null;
    applyTheme();
    if (!config.enabled) {
      show("disabled", el("div", { class: "empty" }, el("p", {}, "Chat is not available right now.")));
      return;
    }
    if (config.room) {
      state.rid = config.room._id;
      save();
      if (config.agent) state.agent = config.agent;
      state.queue = config.queueInfo || null;
      showChat();
      return;
    }
    if (state.rid) {
      state.rid = ""; // that chat has ended since
      save();
    }
    if (!config.online) showOffline();
    else if (!state.guest && config.settings.registrationForm) showRegister();
    else showChat();
    Widget.runTriggers();
  }

  Widget.ensureStarted = ensureStarted;
  ensureStarted();
})();
