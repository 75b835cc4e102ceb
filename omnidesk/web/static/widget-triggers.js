// The visitor widget's proactive triggers (Rocket.Chat's config.triggers): before any chat starts, after
// some seconds on the site, on a page whose address matches, when the visitor opens the panel or after it
// registers, the widget opens and shows the trigger's message, from the team (the widget's title) or from
// the name the manager chose. A run-once trigger speaks to a visitor once: this browser remembers it.
"use strict";

(() => {
  if (!Widget) return; // embedded twice
  const { state } = Widget;
  const FIRED = "omnidesk-livechat-triggers";
  const MAX_PATTERN = 200; // as the server allows
  let timers = [];

  function firedIds() {
    try {
      const ids = JSON.parse(localStorage.getItem(FIRED) || "[]");
      return Array.isArray(ids) ? ids : [];
    } catch {
      return [];
    }
  }
  function remember(id) {
    try {
      const ids = firedIds().filter((known) => known !== id);
      localStorage.setItem(FIRED, JSON.stringify([...ids, id].slice(-100)));
    } catch {
      /* private mode: the trigger may speak again on the next page */
    }
  }

  // A manager's pattern, run against this page's address. The server refused invalid and risky ones;
  // one that fails here anyway matches nothing.
  function matches(pattern) {
    if (typeof pattern !== "string" || !pattern || pattern.length > MAX_PATTERN) return false;
    try {
      return new RegExp(pattern).test(location.href);
    } catch {
      return false;
    }
  }

  // Whether the trigger may speak now: chat is on and someone could answer, no chat has started, it has
  // not spoken on this page, and a run-once one never to this visitor.
  function mayFire(trigger) {
    if (!state.config?.enabled || !state.config.online || state.rid) return false;
    if (state.triggeredIds.has(trigger._id)) return false;
    return !(trigger.runOnce && firedIds().includes(trigger._id));
  }

  function triggeredItem(message) {
    return ChatMessages.messageItem(message, { kind: "theirs triggered", author: message.author });
  }

  function fire(trigger) {
    if (!mayFire(trigger)) return;
    state.triggeredIds.add(trigger._id);
    if (trigger.runOnce) remember(trigger._id);
    const said = [];
    for (const action of trigger.actions || []) {
      const params = action?.params;
      if (action?.name !== "send-message" || !params?.msg) continue;
      const author =
        params.sender === "custom" && params.name ? params.name : state.config.theme?.title || "Chat";
      const message = {
        _id: `trigger-${trigger._id}-${state.triggered.length}`,
        msg: String(params.msg),
        author,
        ts: new Date().toISOString(),
      };
      state.triggered.push(message);
      said.push(message);
    }
    if (!said.length) return;
    if (state.view === "chat" && state.chat && !state.rid) {
      state.chat.messages.querySelector(".empty")?.remove();
      for (const message of said) state.chat.messages.append(triggeredItem(message));
    } else if (state.view === "register") {
      Widget.showRegister();
    }
    if (!state.open) Widget.setOpen(true);
  }

  const triggers = () => (Array.isArray(state.config?.triggers) ? state.config.triggers : []);
  const withCondition = (name) =>
    triggers().filter((trigger) => (trigger.conditions || []).some((condition) => condition?.name === name));

  function checkPage() {
    for (const trigger of triggers()) {
      const conditions = (trigger.conditions || []).filter((condition) => condition?.name === "page-url");
      if (conditions.some((condition) => matches(condition.value))) fire(trigger);
    }
  }

  // After the configuration loads: the timers (time on the site counts from the page's load) and the
  // page's address. A single-page site's address changes without a load: it is checked again then.
  function runTriggers() {
    for (const timer of timers) clearTimeout(timer);
    timers = [];
    if (state.rid) return;
    for (const trigger of withCondition("time-on-site")) {
      for (const condition of trigger.conditions) {
        if (condition?.name !== "time-on-site") continue;
        const seconds = Number(condition.value);
        if (!Number.isFinite(seconds) || seconds < 0) continue;
        const wait = Math.max(0, seconds * 1000 - performance.now());
        timers.push(setTimeout(() => fire(trigger), wait));
      }
    }
    checkPage();
  }
  window.addEventListener("popstate", checkPage);
  window.addEventListener("hashchange", checkPage);

  // The moments the widget sees itself: "chat-opened-by-visitor", "after-guest-registration".
  function onTriggerEvent(name) {
    for (const trigger of withCondition(name)) fire(trigger);
  }

  Object.assign(Widget, { runTriggers, onTriggerEvent, triggeredItem });
})();
