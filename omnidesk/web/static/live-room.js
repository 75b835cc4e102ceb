// The live view's one conversation: opening a chat (listening first, then reading the history), its
// header and state, the messages as they come, edit and delete, typing, and the composer.
"use strict";

(() => {
  const { api, el, toast } = Omnidesk;
  const { isFrom, messageItem, showEdit, removeMessage, clockTime } = ChatMessages;
  const { root, $, me, flags, state, sourceLabel, visitorName, renderMine, renderQueue } = Live;
  const SYSTEM_TEXT = {
    "livechat-close": "Chat closed",
    livechat_transfer_history: "Chat transferred",
    omnichannel_placed_chat_on_hold: "Chat placed on hold",
    omnichannel_on_hold_chat_resumed: "Chat resumed",
    "livechat-started": "Chat started",
  };

  function stopRoomSubscriptions() {
    for (const sub of state.roomSubs) sub.stop();
    state.roomSubs = [];
  }

  function showList() {
    stopRoomSubscriptions();
    state.rid = "";
    state.room = null;
    root.classList.remove("has-room");
    $("room").hidden = true;
    $("no-room").hidden = false;
    renderMine();
    renderQueue();
  }

  async function selectRoom(rid, { push = false } = {}) {
    if (push) history.pushState({ rid }, "", `/live/${encodeURIComponent(rid)}`);
    stopRoomSubscriptions();
    state.rid = rid;
    state.room = null;
    state.contact = null;
    state.seen = new Set();
    state.unread.delete(rid);
    root.classList.add("has-room");
    $("no-room").hidden = true;
    $("room").hidden = false;
    $("messages").replaceChildren(el("li", { class: "loading" }, "Loading the conversation…"));
    $("typing").textContent = "";
    $("unknown-notice").hidden = true;
    for (const id of ["take-open", "transfer-open", "close-open", "join-open", "take-over-open"])
      $(id).hidden = true;
    renderMine();
    renderQueue();
    // Listen before reading the history, holding what arrives meanwhile, so nothing falls in between.
    let early = [];
    const params = (key) => [key, { useCollection: false, args: [] }];
    state.roomSubs.push(
      Live.ddp.subscribe("stream-room-messages", params(rid), ([message]) => {
        if (!message || message.rid !== state.rid) return;
        if (early) early.push(message);
        else addMessage(message);
        if (message.t === "livechat-close") refreshRoom();
      }),
      Live.ddp.subscribe("stream-notify-room", params(`${rid}/user-activity`), ([username, activities]) =>
        showTyping(username, activities),
      ),
      Live.ddp.subscribe("stream-notify-room", params(`${rid}/deleteMessage`), ([removed]) => {
        if (removed && state.rid === rid) removeMessage($("messages"), removed._id);
      }),
    );
    try {
      const [info, past] = await Promise.all([
        api("GET", "livechat/room.info", { roomId: rid }),
        api("GET", `livechat/${encodeURIComponent(rid)}/messages`, {
          count: 200,
          sort: JSON.stringify({ ts: -1 }),
        }),
      ]);
      if (state.rid !== rid) return;
      showRoom(info.room);
      $("messages").replaceChildren();
      past.messages.reverse().forEach(addMessage);
      early.forEach(addMessage);
      early = null;
    } catch (error) {
      if (state.rid !== rid) return;
      stopRoomSubscriptions();
      $("room-name").textContent = "Chat unavailable";
      $("room-meta").textContent = "";
      const why =
        error.response?.errorType === "error-unauthorized"
          ? "Another agent serves this chat, or it is in a department you do not work in."
          : error.message;
      $("messages").replaceChildren(el("li", { class: "empty" }, why));
      setComposer(false, "You cannot open this chat.");
      return;
    }
    Live.loadContact();
  }

  async function refreshRoom() {
    if (!state.rid) return;
    try {
      const info = await api("GET", "livechat/room.info", { roomId: state.rid });
      if (info.room._id === state.rid) showRoom(info.room);
    } catch {
      markLeft();
    }
  }

  function showRoom(room) {
    state.room = room;
    $("room-name").textContent = visitorName(room);
    const parts = [sourceLabel(room.source)];
    if (room.department) parts.push(room.department.name);
    if (room.servedBy && room.servedBy._id !== me.id) parts.push(`served by ${room.servedBy.username}`);
    parts.push(`started ${Omnidesk.formatDate(room.ts)}`);
    $("room-meta").textContent = parts.filter(Boolean).join(" · ");
    const mine = room.servedBy && room.servedBy._id === me.id;
    const open = Boolean(room.open);
    $("take-open").hidden = !(open && flags.agent && !room.servedBy);
    $("transfer-open").hidden = !(open && flags.transfer && room.servedBy);
    $("close-open").hidden = !(open && flags.close);
    if (!open) setComposer(false, "This chat is closed.");
    else if (!room.servedBy) setComposer(false, "This chat is waiting in the queue. Take it to answer.");
    else if (!mine && state.joined.has(room._id))
      setComposer(true, `You joined this chat; ${room.servedBy.username} is serving it.`);
    else if (!mine)
      setComposer(false, `${room.servedBy.username} is serving this chat; only they can write here.`);
    else if (room.onHold) setComposer(true, "This chat is on hold; writing resumes it for the visitor.");
    else setComposer(true, "");
    if (!open) $("unknown-notice").hidden = true;
    Live.showSupervision?.(room);
  }

  function markLeft() {
    setComposer(false, "This chat is no longer yours.");
    $("take-open").hidden = true;
    $("transfer-open").hidden = true;
    $("close-open").hidden = true;
  }

  function setComposer(enabled, message) {
    const form = $("composer");
    form.hidden = !enabled;
    form.querySelector("textarea").disabled = !enabled;
    const banner = $("room-state");
    banner.textContent = message;
    banner.hidden = !message;
  }

  // A message's author is the room's visitor when it is the visitor's id (messages carry no token).
  const fromVisitor = (message) => isFrom(message, state.room?.v);

  function messageAuthor(message) {
    if (fromVisitor(message)) return visitorName(state.room);
    if (message.u && message.u._id === me.id) return "You";
    return (message.u && (message.u.name || message.u.username)) || "";
  }

  function addMessage(message) {
    if (message && state.seen.has(message._id)) showEdit($("messages"), message);
    if (!message || state.seen.has(message._id)) return;
    state.seen.add(message._id);
    const list = $("messages");
    let node;
    if (message.t === "uj" && message.u && message.u._id === me.id) Live.markJoined?.(message.rid);
    if (message.t) {
      let text = SYSTEM_TEXT[message.t] || message.t;
      if (message.t === "uj") text = `${message.u?.name || message.msg} joined the chat`;
      if (message.t === "livechat_transfer_history" && message.transferData) {
        const data = message.transferData;
        const to = data.transferredTo
          ? data.transferredTo.name || data.transferredTo.username
          : data.nextDepartment?.name;
        if (to) text += ` to ${to}`;
        if (data.comment) text += `: ${data.comment}`;
      }
      if (message.msg && message.t !== "uj") text += `: ${message.msg}`;
      node = el(
        "li",
        { class: "message system" },
        el("span", {}, text),
        el("time", {}, clockTime(message.ts)),
      );
    } else {
      const kind = fromVisitor(message) ? "theirs" : message.u && message.u._id === me.id ? "mine" : "agent";
      node = messageItem(message, { kind, author: messageAuthor(message) });
      if (fromVisitor(message)) showTyping(null, []);
    }
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    list.append(node);
    if (nearBottom || !fromVisitor(message)) list.scrollTop = list.scrollHeight;
  }

  function showTyping(username, activities) {
    clearTimeout(state.typingShown);
    const typing = Array.isArray(activities) && activities.includes("user-typing");
    const name = state.room?.v && username === state.room.v.username ? visitorName(state.room) : username;
    $("typing").textContent = typing && name ? `${name} is typing…` : "";
    if (typing) {
      state.typingShown = setTimeout(() => {
        $("typing").textContent = "";
      }, 6000);
    }
  }

  function sendTyping(active) {
    if (!state.rid) return;
    Live.ddp
      .call(
        "stream-notify-room",
        `${state.rid}/user-activity`,
        me.username,
        active ? ["user-typing"] : [],
        {},
      )
      .catch(() => {});
  }

  const composerText = $("composer-text");
  composerText.addEventListener("input", () => {
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
  });
  composerText.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });
  $("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const msg = composerText.value;
    if (!msg.trim() || !state.rid) return;
    const rid = state.rid;
    composerText.value = "";
    clearTimeout(state.typingStop);
    state.typingSentAt = 0;
    sendTyping(false);
    try {
      const data = await api("POST", "chat.sendMessage", {
        message: { _id: ChatMessages.newId(), rid, msg },
      });
      if (state.rid === rid) addMessage(data.message);
    } catch (error) {
      composerText.value = msg;
      toast(`Not sent: ${error.message}`, "error");
    }
  });

  // A file: uploaded (rooms.media), then sent with the composer's text as its message
  // (rooms.mediaConfirm), as Rocket.Chat's client does.
  $("composer-attach").addEventListener("click", () => $("composer-file").click());
  $("composer-file").addEventListener("change", async () => {
    const input = $("composer-file");
    const file = input.files?.[0];
    input.value = "";
    if (!file || !state.rid) return;
    const rid = state.rid;
    const msg = composerText.value;
    const form = new FormData();
    form.append("file", file, file.name);
    const button = $("composer-attach");
    button.disabled = true;
    try {
      const uploaded = await api("POST", `rooms.media/${encodeURIComponent(rid)}`, form);
      const path = `rooms.mediaConfirm/${encodeURIComponent(rid)}/${encodeURIComponent(uploaded.file._id)}`;
      const data = await api("POST", path, { msg });
      composerText.value = "";
      if (state.rid === rid && data.message) addMessage(data.message);
    } catch (error) {
      toast(`Not sent: ${error.message}`, "error");
    } finally {
      button.disabled = false;
    }
  });

  Object.assign(Live, { showList, selectRoom, refreshRoom, markLeft, showRoom, setComposer });
})();
