// The agent's live view: the queue, my open chats and one conversation, kept current over DDP.
// Data comes from the REST API; the WebSocket only says when to look again (and carries messages and
// typing). Every piece of user data is rendered with Omnidesk.el / textContent.
"use strict";

(() => {
  const { api, el, toast, meta } = Omnidesk;
  const root = document.getElementById("live");
  const $ = (id) => document.getElementById(id);
  const me = { id: meta("user-id"), username: meta("username") };
  const flags = {
    agent: root.dataset.isAgent === "true",
    block: root.dataset.canBlock === "true",
    editContact: root.dataset.canEditContact === "true",
    transfer: root.dataset.canTransfer === "true",
    close: root.dataset.canClose === "true",
  };
  const ID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz";
  const SOURCES = {
    widget: "Web chat",
    api: "API",
    sms: "SMS",
    email: "Email",
    voice: "Phone",
    app: "App",
    other: "Other",
  };
  const SYSTEM_TEXT = {
    "livechat-close": "Chat closed",
    livechat_transfer_history: "Chat transferred",
    omnichannel_placed_chat_on_hold: "Chat placed on hold",
    omnichannel_on_hold_chat_resumed: "Chat resumed",
    "livechat-started": "Chat started",
  };

  const state = {
    rid: root.dataset.roomId || "",
    room: null,
    contact: null,
    roomSubs: [],
    seen: new Set(),
    unread: new Set(),
    queue: null, // null until loaded: the list shows its loading state
    mine: null,
    typingSentAt: 0,
    typingStop: null,
    typingShown: null,
  };

  // --- helpers ---------------------------------------------------------------------------------------

  const toDate = (value) =>
    value && value.$date !== undefined ? new Date(value.$date) : value ? new Date(value) : null;
  const time = (value) => {
    const date = toDate(value);
    return date ? date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" }) : "";
  };
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
  function newId() {
    const bytes = crypto.getRandomValues(new Uint8Array(17));
    return Array.from(bytes, (byte) => ID_ALPHABET[byte % ID_ALPHABET.length]).join("");
  }
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

  // --- realtime ----------------------------------------------------------------------------------------

  const connection = $("connection");
  let loginError = "";
  const ddp = new DDP.Client({
    onConnect: async () => {
      try {
        await ddp.call("login", { cookie: true });
        loginError = "";
      } catch (error) {
        loginError = `Live updates are off (${error.message}). Reload the page to try again.`;
      }
    },
    onStatus: (status) => {
      const up = status === "connected" || status === "reconnected";
      const text = status === "reconnecting" ? "Connection lost. Reconnecting…" : up ? loginError : "";
      connection.textContent = text;
      connection.hidden = !text;
      if (status === "reconnected") refreshAll();
    },
  });
  ddp.subscribe(
    "stream-notify-user",
    [`${me.id}/rooms-changed`, { useCollection: false, args: [] }],
    ([action, room]) => {
      scheduleMine();
      if (action === "inserted" && room && room._id !== state.rid) toast(`New chat: ${visitorName(room)}`);
      if (room && room._id === state.rid) {
        if (action === "removed" && !state.room?.closedAt) markLeft();
        else refreshRoom();
      }
    },
  );
  ddp.subscribe(
    "stream-notify-user",
    [`${me.id}/notification`, { useCollection: false, args: [] }],
    ([notification]) => {
      loadQueue();
      if (notification) toast(`New chat waiting: ${notification.title}`);
    },
  );
  ddp.subscribe(
    "stream-room-messages",
    ["__my_messages__", { useCollection: false, args: [] }],
    ([message]) => {
      if (!message || message.rid === state.rid) return;
      if (!message.t && (!message.u || message.u._id !== me.id)) {
        state.unread.add(message.rid);
        renderMine();
      }
      scheduleMine();
    },
  );

  // --- the queue ----------------------------------------------------------------------------------------

  async function loadQueue() {
    const list = $("queue");
    try {
      const data = await api("GET", "livechat/inquiries.queuedForUser", { count: 100 });
      state.queue = data.inquiries;
    } catch (error) {
      list.replaceChildren(el("li", { class: "empty" }, `Could not load the queue: ${error.message}`));
      return;
    } finally {
      list.setAttribute("aria-busy", "false");
    }
    renderQueue();
  }

  function renderQueue() {
    if (!state.queue) return;
    const list = $("queue");
    $("queue-count").textContent = state.queue.length ? `(${state.queue.length})` : "";
    if (!state.queue.length) {
      list.replaceChildren(el("li", { class: "empty" }, "Nobody is waiting."));
      return;
    }
    list.replaceChildren(
      ...state.queue.map((inquiry) => {
        const name = inquiry.name || (inquiry.v && (inquiry.v.name || inquiry.v.username)) || "Visitor";
        return el(
          "li",
          { class: `chat-item queued${inquiry.rid === state.rid ? " current" : ""}` },
          el(
            "a",
            {
              href: `/live/${encodeURIComponent(inquiry.rid)}`,
              class: "chat-item-main",
              "aria-current": inquiry.rid === state.rid ? "true" : null,
              onclick: (event) => {
                event.preventDefault();
                selectRoom(inquiry.rid, { push: true });
              },
            },
            el("span", { class: "chat-name" }, name),
            el(
              "span",
              { class: "chat-meta" },
              `${sourceLabel(inquiry.source)} · waiting ${waitedFor(inquiry.queuedAt || inquiry.ts)}`,
            ),
            inquiry.message ? el("span", { class: "chat-preview" }, inquiry.message) : null,
          ),
          flags.agent
            ? el(
                "button",
                {
                  type: "button",
                  class: "button small primary",
                  "aria-label": `Take chat with ${name}`,
                  onclick: () => take(inquiry),
                },
                "Take",
              )
            : null,
        );
      }),
    );
  }

  // A chat may be refused to a taker (an unknown or unverified contact, taken meanwhile): the chat then
  // opens in preview, where the reason shows and the unknown-contact notice offers Add contact.
  async function take(inquiry) {
    try {
      await api("POST", "livechat/inquiries.take", { inquiryId: inquiry._id });
    } catch (error) {
      toast(error.message, "error");
      loadQueue();
      if (state.rid !== inquiry.rid) selectRoom(inquiry.rid, { push: true });
      return;
    }
    await Promise.all([loadQueue(), loadMine()]);
    await selectRoom(inquiry.rid, { push: state.rid !== inquiry.rid });
    if (!$("composer").hidden) composerText.focus(); // ready to answer
  }

  $("take-open").addEventListener("click", async () => {
    const rid = state.rid;
    let inquiry = (state.queue || []).find((item) => item.rid === rid);
    if (!inquiry) {
      try {
        inquiry = (await api("GET", "livechat/inquiries.getOne", { roomId: rid })).inquiry;
      } catch (error) {
        toast(error.message, "error");
        return;
      }
    }
    if (inquiry && inquiry.status === "queued") take(inquiry);
    else {
      toast("This chat is no longer waiting.", "error");
      refreshRoom();
    }
  });

  // --- my chats ------------------------------------------------------------------------------------------

  let mineTimer = null;
  function scheduleMine() {
    clearTimeout(mineTimer);
    mineTimer = setTimeout(loadMine, 150);
  }

  async function loadMine() {
    const list = $("mine");
    try {
      const [open, held] = await Promise.all([
        api("GET", "livechat/rooms", {
          agents: [me.id],
          open: true,
          count: 100,
          sort: JSON.stringify({ lm: -1 }),
        }),
        api("GET", "livechat/rooms", { agents: [me.id], onhold: true, count: 100 }),
      ]);
      const byId = new Map([...open.rooms, ...held.rooms].map((room) => [room._id, room]));
      state.mine = [...byId.values()].sort(
        (a, b) => (toDate(b.lm || b.ts) || 0) - (toDate(a.lm || a.ts) || 0),
      );
    } catch (error) {
      list.replaceChildren(el("li", { class: "empty" }, `Could not load your chats: ${error.message}`));
      return;
    } finally {
      list.setAttribute("aria-busy", "false");
    }
    renderMine();
  }

  function renderMine() {
    if (!state.mine) return;
    const list = $("mine");
    $("mine-count").textContent = state.mine.length ? `(${state.mine.length})` : "";
    if (!state.mine.length) {
      list.replaceChildren(el("li", { class: "empty" }, "You have no open chats."));
      return;
    }
    list.replaceChildren(
      ...state.mine.map((room) => {
        const unread = state.unread.has(room._id);
        const preview = room.lastMessage && !room.lastMessage.t ? room.lastMessage.msg : "";
        return el(
          "li",
          { class: `chat-item${room._id === state.rid ? " current" : ""}${unread ? " unread" : ""}` },
          el(
            "a",
            {
              href: `/live/${encodeURIComponent(room._id)}`,
              class: "chat-item-main",
              "aria-current": room._id === state.rid ? "true" : null,
              onclick: (event) => {
                event.preventDefault();
                selectRoom(room._id, { push: true });
              },
            },
            el(
              "span",
              { class: "chat-name" },
              visitorName(room),
              unread ? el("span", { class: "unread-dot", "aria-label": "unread messages" }) : null,
            ),
            el(
              "span",
              { class: "chat-meta" },
              sourceLabel(room.source),
              room.onHold ? el("span", { class: "tag warn" }, "On hold") : null,
            ),
            preview ? el("span", { class: "chat-preview" }, preview) : null,
          ),
        );
      }),
    );
  }

  // --- one conversation ------------------------------------------------------------------------------------

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
    for (const id of ["take-open", "transfer-open", "close-open"]) $(id).hidden = true;
    renderMine();
    renderQueue();
    // Listen before reading the history, holding what arrives meanwhile, so nothing falls in between.
    let early = [];
    const params = (key) => [key, { useCollection: false, args: [] }];
    state.roomSubs.push(
      ddp.subscribe("stream-room-messages", params(rid), ([message]) => {
        if (!message || message.rid !== state.rid) return;
        if (early) early.push(message);
        else addMessage(message);
        if (message.t === "livechat-close") refreshRoom();
      }),
      ddp.subscribe("stream-notify-room", params(`${rid}/user-activity`), ([username, activities]) =>
        showTyping(username, activities),
      ),
      ddp.subscribe("stream-notify-room", params(`${rid}/deleteMessage`), ([removed]) => {
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
      $("messages").replaceChildren(el("li", { class: "empty" }, error.message));
      setComposer(false, "You cannot open this chat.");
      return;
    }
    loadContact();
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
    else if (!mine)
      setComposer(false, `${room.servedBy.username} is serving this chat; only they can write here.`);
    else if (room.onHold) setComposer(true, "This chat is on hold; writing resumes it for the visitor.");
    else setComposer(true, "");
    if (!open) $("unknown-notice").hidden = true;
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
  function fromVisitor(message) {
    return Boolean(message.u && state.room?.v && message.u._id === state.room.v._id);
  }

  function messageAuthor(message) {
    if (fromVisitor(message)) return visitorName(state.room);
    if (message.u && message.u._id === me.id) return "You";
    return (message.u && (message.u.name || message.u.username)) || "";
  }

  // An edited message comes again with editedAt: its text changes in place.
  function showEdit(list, message) {
    const node = [...list.children].find((item) => item.dataset.id === message._id);
    const text = node?.querySelector(".text");
    if (!text || !message.editedAt) return;
    text.textContent = message.msg;
    if (!node.querySelector(".edited"))
      node.querySelector("time").before(el("span", { class: "edited" }, "edited"));
  }

  function removeMessage(list, id) {
    const node = [...list.children].find((item) => item.dataset.id === id);
    if (node) node.remove();
  }

  function addMessage(message) {
    if (message && state.seen.has(message._id)) showEdit($("messages"), message);
    if (!message || state.seen.has(message._id)) return;
    state.seen.add(message._id);
    const list = $("messages");
    let node;
    if (message.t) {
      let text = SYSTEM_TEXT[message.t] || message.t;
      if (message.t === "livechat_transfer_history" && message.transferData) {
        const data = message.transferData;
        const to = data.transferredTo
          ? data.transferredTo.name || data.transferredTo.username
          : data.nextDepartment?.name;
        if (to) text += ` to ${to}`;
        if (data.comment) text += `: ${data.comment}`;
      }
      if (message.msg) text += `: ${message.msg}`;
      node = el("li", { class: "message system" }, el("span", {}, text), el("time", {}, time(message.ts)));
    } else {
      const kind = fromVisitor(message) ? "theirs" : message.u && message.u._id === me.id ? "mine" : "agent";
      node = el(
        "li",
        { class: `message ${kind}`, "data-id": message._id },
        el("span", { class: "author" }, messageAuthor(message)),
        el("p", { class: "text" }, message.msg),
        message.editedAt ? el("span", { class: "edited" }, "edited") : null,
        el("time", {}, time(message.ts)),
      );
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
    if (typing) state.typingShown = setTimeout(() => ($("typing").textContent = ""), 6000);
  }

  function sendTyping(active) {
    if (!state.rid) return;
    ddp
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
      const data = await api("POST", "chat.sendMessage", { message: { _id: newId(), rid, msg } });
      if (state.rid === rid) addMessage(data.message);
    } catch (error) {
      composerText.value = msg;
      toast(`Not sent: ${error.message}`, "error");
    }
  });

  // --- unknown contact: add, block, dismiss ---------------------------------------------------------------

  const dismissedKey = (contactId) => `omnidesk-dismissed-contact-${contactId}`;

  async function loadContact() {
    const room = state.room;
    if (!room?.contactId || !room.open) return;
    try {
      const data = await api("GET", "omnichannel/contacts.get", { contactId: room.contactId });
      // Another chat opened meanwhile. (Not the same object: a realtime update of this chat replaces
      // state.room while the request is out, and its contact must still be shown.)
      if (state.room?._id !== room._id) return;
      state.contact = data.contact;
    } catch {
      return;
    }
    const unknown = state.contact.unknown && !sessionStorage.getItem(dismissedKey(state.contact._id));
    $("unknown-notice").hidden = !unknown;
    $("add-contact-open").hidden = !flags.editContact;
    $("block-open").hidden = !flags.block;
  }

  $("dismiss-notice").addEventListener("click", () => {
    if (state.contact) sessionStorage.setItem(dismissedKey(state.contact._id), "1");
    $("unknown-notice").hidden = true;
    composerText.focus();
  });

  $("add-contact-open").addEventListener("click", () => {
    const contact = state.contact;
    const form = $("contact-form");
    form.elements.name.value = contact.name || "";
    form.elements.email.value = contact.emails?.[0]?.address || "";
    form.elements.phone.value = contact.phones?.[0]?.phoneNumber || "";
    openDialog($("contact-dialog"));
  });
  $("contact-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const body = { contactId: state.contact._id, name: form.elements.name.value.trim() };
    const email = form.elements.email.value.trim();
    const phone = form.elements.phone.value.trim();
    if (email) body.emails = [email];
    if (phone) body.phones = [phone];
    try {
      const data = await api("POST", "omnichannel/contacts.update", body);
      state.contact = data.contact;
    } catch (error) {
      showError(form, error);
      return;
    }
    $("contact-dialog").close();
    $("unknown-notice").hidden = true;
    $("room-name").textContent = state.contact.name;
    toast(`${state.contact.name} was added to your contacts.`);
    scheduleMine();
  });

  $("block-open").addEventListener("click", () => {
    const room = state.room;
    $("block-text").textContent =
      `${visitorName(room)} will not be able to reach you on ${sourceLabel(room.source)} any more, ` +
      "and this chat will be closed.";
    openDialog($("block-dialog"));
  });
  $("block-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const room = state.room;
    const source = { type: room.source.type };
    if (room.source.id) source.id = room.source.id;
    try {
      await api("POST", "omnichannel/contacts.block", { visitor: { visitorId: room.v._id, source } });
    } catch (error) {
      showError(event.target, error);
      return;
    }
    $("block-dialog").close();
    $("unknown-notice").hidden = true;
    toast(`${visitorName(room)} is blocked on ${sourceLabel(room.source)}.`);
    refreshRoom();
    scheduleMine();
  });

  // --- closing and transferring ----------------------------------------------------------------------------

  $("close-open").addEventListener("click", async () => {
    const form = $("close-form");
    form.reset();
    const holder = $("close-tags");
    openDialog($("close-dialog"));
    try {
      const query = { count: 200 };
      if (state.room?.departmentId) query.department = state.room.departmentId;
      const data = await api("GET", "livechat/tags", query);
      if (data.tags.length) {
        holder.replaceChildren(
          ...data.tags.map((tag) =>
            el(
              "label",
              { class: "check" },
              el("input", { type: "checkbox", name: "tags", value: tag.name }),
              tag.name,
            ),
          ),
        );
      }
    } catch {
      /* closing works without tags */
    }
  });
  $("close-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const tags = [...form.querySelectorAll("input[name=tags]:checked")].map((box) => box.value);
    const body = { rid: state.rid, comment: form.elements.comment.value.trim() };
    if (tags.length) body.tags = tags;
    try {
      await api("POST", "livechat/room.closeByUser", body);
    } catch (error) {
      showError(form, error);
      return;
    }
    $("close-dialog").close();
    toast("Chat closed.");
    refreshRoom();
    scheduleMine();
  });

  $("transfer-open").addEventListener("click", async () => {
    const form = $("transfer-form");
    form.reset();
    openDialog($("transfer-dialog"));
    const [agents, departments] = await Promise.all([
      api("GET", "livechat/users/agent", { onlyAvailable: true, excludeId: me.id, count: 100 }).catch(() => ({
        users: [],
      })),
      api("GET", "livechat/department", { enabled: "true", count: 100 }).catch(() => ({ departments: [] })),
    ]);
    $("transfer-agent").replaceChildren(
      el("option", { value: "" }, agents.users.length ? "—" : "No other agent is available"),
      ...agents.users.map((user) =>
        el("option", { value: user._id }, `${user.name || user.username} (@${user.username})`),
      ),
    );
    $("transfer-department").replaceChildren(
      el("option", { value: "" }, "—"),
      ...departments.departments.map((department) =>
        el("option", { value: department._id }, department.name),
      ),
    );
  });
  $("transfer-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const userId = form.elements.userId.value;
    const departmentId = form.elements.departmentId.value;
    if (!userId && !departmentId) {
      showError(form, new Error("Choose an agent or a department."));
      return;
    }
    const body = { roomId: state.rid, comment: form.elements.comment.value.trim() || undefined };
    if (userId) body.userId = userId;
    else body.departmentId = departmentId;
    try {
      await api("POST", "livechat/room.forward", body);
    } catch (error) {
      showError(form, error);
      return;
    }
    $("transfer-dialog").close();
    toast("Chat transferred.");
    scheduleMine();
    loadQueue();
    refreshRoom();
  });

  // --- availability, navigation, start ---------------------------------------------------------------------

  const availability = $("availability");
  if (availability) {
    availability.addEventListener("click", async () => {
      const next = availability.getAttribute("aria-pressed") === "true" ? "not-available" : "available";
      try {
        const data = await api("POST", "livechat/agent.status", { status: next });
        const on = data.status === "available";
        availability.setAttribute("aria-pressed", String(on));
        availability.classList.toggle("on", on);
        availability.classList.toggle("off", !on);
        availability.querySelector(".availability-label").textContent = on ? "Available" : "Not available";
        if (on) loadQueue();
      } catch (error) {
        toast(error.message, "error");
      }
    });
  }

  $("back").addEventListener("click", () => {
    history.pushState({ rid: "" }, "", "/live");
    showList();
  });
  window.addEventListener("popstate", () => {
    const match = location.pathname.match(/^\/live\/(.+)$/);
    if (match) selectRoom(decodeURIComponent(match[1]));
    else showList();
  });

  function refreshAll() {
    loadQueue();
    loadMine();
    if (state.rid) selectRoom(state.rid);
  }

  // Taken-by-someone-else has no event of its own: the queue also refreshes now and then.
  setInterval(() => {
    if (document.visibilityState === "visible") loadQueue();
  }, 15000);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") loadQueue();
  });

  loadQueue();
  loadMine();
  if (state.rid) selectRoom(state.rid);
})();
