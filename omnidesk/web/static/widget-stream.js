// The visitor widget's conversation stream: the history, who serves the chat, the DDP subscriptions
// (messages, agent, typing, deletions) with the visitor's token, each message shown once, and typing.
"use strict";

(() => {
  if (!Widget) return; // embedded twice
  const { el } = Dom;
  const { isFrom, messageItem, showEdit, removeMessage } = ChatMessages;
  const { server, state, api, setUnread, updateSubtitle } = Widget;
  const SYSTEM_TEXT = {
    "livechat-close": "The chat was closed",
    livechat_transfer_history: "You were transferred to another agent",
    omnichannel_placed_chat_on_hold: "The chat was placed on hold",
    omnichannel_on_hold_chat_resumed: "The chat was resumed",
    "livechat-contact-verified": "Your email address is confirmed",
  };

  async function loadHistory() {
    const rid = state.rid;
    state.chat.messages.setAttribute("aria-busy", "true");
    if (!state.chat.messages.children.length)
      state.chat.messages.append(el("li", { class: "loading" }, "Loading the conversation…"));
    try {
      const data = await api("GET", `messages.history/${encodeURIComponent(rid)}`, {
        token: state.token,
        limit: 200,
      });
      if (rid !== state.rid || !state.chat) return;
      // Also after a reconnection: the history fills any gap. What arrived live meanwhile stays after it.
      const live = [...state.chat.messages.children].filter((node) => node.dataset.id);
      state.chat.messages.replaceChildren();
      state.seen = new Set();
      data.messages.reverse().forEach(addMessage);
      for (const node of live) {
        if (!state.seen.has(node.dataset.id)) {
          state.seen.add(node.dataset.id);
          state.chat.messages.append(node);
        }
      }
    } catch (error) {
      if (state.chat) state.chat.messages.replaceChildren(el("li", { class: "empty" }, error.message));
    } finally {
      if (state.chat) state.chat.messages.setAttribute("aria-busy", "false");
    }
    if (state.rid === rid && !state.agent) loadAgent();
  }

  // Who serves the chat, for a chat assigned before its stream-livechat-room subscription was ready.
  function loadAgent() {
    const rid = state.rid;
    api("GET", `agent.info/${encodeURIComponent(rid)}/${encodeURIComponent(state.token)}`)
      .then((data) => {
        if (state.rid !== rid) return;
        state.agent = data.agent;
        updateSubtitle();
      })
      .catch(() => {}); // nobody yet: agentData will say when somebody takes it
  }

  function connect() {
    if (state.ddp) return state.ddp;
    const url = `${server.replace(/^http/, "ws")}/websocket`;
    state.ddp = new DDP.Client({
      url,
      onStatus: (status) => {
        if (status === "reconnected" && state.rid && state.chat) loadHistory();
      },
    });
    return state.ddp;
  }

  function listen() {
    const ddp = connect();
    const rid = state.rid;
    for (const sub of state.roomSubs) sub.stop();
    state.roomSubs = [
      ddp.subscribe("stream-room-messages", DDP.visitorParams(rid, state.token), ([message]) => {
        if (!message || message.rid !== state.rid) return;
        if (!message.t && !mine(message) && !state.open && !state.seen.has(message._id)) setUnread(true);
        addMessage(message);
      }),
      ddp.subscribe("stream-livechat-room", DDP.visitorParams(rid, state.token), ([event]) => {
        if (event && event.type === "agentData") {
          state.agent = event.data;
          state.queue = null;
          updateSubtitle();
        } else if (event && event.type === "queueData") {
          state.queue = event.data;
          updateSubtitle();
        }
      }),
      ddp.subscribe(
        "stream-notify-room",
        DDP.visitorParams(`${rid}/user-activity`, state.token),
        ([username, activities]) => {
          showTyping(username, activities);
        },
      ),
      ddp.subscribe(
        "stream-notify-room",
        DDP.visitorParams(`${rid}/deleteMessage`, state.token),
        ([removed]) => {
          if (removed && state.rid === rid && state.chat) removeMessage(state.chat.messages, removed._id);
        },
      ),
    ];
  }

  const mine = (message) => isFrom(message, state.guest);

  function author(message) {
    if (mine(message)) return "You";
    return (message.u && (message.u.name || message.u.username)) || "Agent";
  }

  function addMessage(message) {
    if (state.chat && message && state.seen.has(message._id)) showEdit(state.chat.messages, message);
    if (!state.chat || !message || state.seen.has(message._id)) return;
    state.seen.add(message._id);
    state.chat.messages.querySelector(".empty")?.remove();
    let node;
    if (message.t) {
      // Livechat_hide_system_messages: the types the workspace keeps out of the visitor's view (a
      // hidden close still ends the chat).
      const hidden = state.config?.settings.hiddenSystemMessages || [];
      if (!SYSTEM_TEXT[message.t] || hidden.includes(message.t)) {
        if (message.t === "livechat-close") Widget.ended();
        return;
      }
      const byPhone = message.t === "livechat-contact-verified" && !String(message.msg || "").includes("@");
      node = el(
        "li",
        { class: "message system" },
        byPhone ? "Your mobile number is confirmed" : SYSTEM_TEXT[message.t],
      );
    } else {
      node = messageItem(message, {
        kind: mine(message) ? "mine" : "theirs",
        author: author(message),
        base: Widget.server,
      });
      if (!mine(message)) showTyping(null, []);
    }
    state.chat.messages.append(node);
    state.chat.messages.scrollTop = state.chat.messages.scrollHeight;
    if (message.t === "livechat-close") Widget.ended();
  }

  function showTyping(username, activities) {
    if (!state.chat) return;
    clearTimeout(state.typingShown);
    const typing = Array.isArray(activities) && activities.includes("user-typing");
    const name =
      state.agent && !state.agent.hiddenInfo && state.agent.username === username
        ? state.agent.name || username
        : "The agent";
    state.chat.typing.textContent = typing ? `${name} is typing…` : "";
    if (typing) {
      state.typingShown = setTimeout(() => {
        if (state.chat) state.chat.typing.textContent = "";
      }, 6000);
    }
  }

  function sendTyping(active) {
    if (!state.rid || !state.ddp || !state.guest) return;
    state.ddp
      .call(
        "stream-notify-room",
        `${state.rid}/user-activity`,
        state.guest.username,
        active ? ["user-typing"] : [],
        { token: state.token },
      )
      .catch(() => {});
  }

  function onTyping() {
    const now = Date.now();
    if (now - state.typingSentAt > 2500) {
      state.typingSentAt = now;
      sendTyping(true);
    }
    clearTimeout(state.typingStop);
    state.typingStop = setTimeout(() => {
      state.typingSentAt = 0;
      sendTyping(false);
    }, 3000);
  }

  Object.assign(Widget, { loadHistory, loadAgent, listen, addMessage, sendTyping, onTyping });
})();
