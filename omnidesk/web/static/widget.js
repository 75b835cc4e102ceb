// The visitor chat widget. Served by /livechat/widget.js after ddp.js, both inside one closure, so it
// adds nothing to the host page but one element (#omnidesk-livechat) whose shadow root holds the UI;
// the host page's styles cannot reach in and ours cannot leak out.
//
// It talks to the public livechat API with the visitor's token (kept in the host site's localStorage)
// and listens over DDP with that token, as Rocket.Chat's livechat SDK does. Every piece of text from a
// person is set with textContent: a message "<b>hi</b>" shows those characters.
"use strict";

(() => {
  const script = document.currentScript || document.querySelector('script[src*="/livechat/widget.js"]');
  const server = new URL(script ? script.src : "/", location.href).origin;
  if (document.getElementById("omnidesk-livechat")) return; // embedded twice
  const STORE = "omnidesk-livechat";
  const ID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz";
  const SYSTEM_TEXT = {
    "livechat-close": "The chat was closed",
    livechat_transfer_history: "You were transferred to another agent",
    omnichannel_placed_chat_on_hold: "The chat was placed on hold",
    omnichannel_on_hold_chat_resumed: "The chat was resumed",
    "livechat-contact-verified": "Your email address is confirmed",
  };

  const FRIENDLY_ERRORS = {
    "no-agent-online": "Sorry, no agent is online right now. Please try again later.",
    "error-contact-channel-blocked": "Sorry, you cannot start a chat here.",
  };

  // --- small helpers --------------------------------------------------------------------------------

  function newId(length = 17) {
    const bytes = crypto.getRandomValues(new Uint8Array(length));
    return Array.from(bytes, (byte) => ID_ALPHABET[byte % ID_ALPHABET.length]).join("");
  }

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

  // el("p", {class: "x"}, "text", child): strings become text nodes, never markup.
  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
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

  const toDate = (value) =>
    value && value.$date !== undefined ? new Date(value.$date) : value ? new Date(value) : null;
  const time = (value) => {
    const date = toDate(value);
    return date ? date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" }) : "";
  };

  // --- state -----------------------------------------------------------------------------------------

  const stored = load();
  const state = {
    token: stored.token || newId(24),
    rid: stored.rid || "",
    config: null,
    configAt: 0,
    guest: null,
    agent: null,
    open: false,
    view: "loading",
    seen: new Set(),
    ddp: null,
    roomSubs: [],
    typingSentAt: 0,
    typingStop: null,
    typingShown: null,
  };
  save();

  // --- the DOM ---------------------------------------------------------------------------------------

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
  const panel = el(
    "section",
    { class: "panel", id: "odl-panel", role: "dialog", "aria-labelledby": "odl-title", hidden: true },
    el("header", { class: "header" }, el("div", { class: "titles" }, title, subtitle), minimize),
    body,
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
      if (idle && Date.now() - state.configAt > 60000) starting = null;
      ensureStarted();
      focusFirst();
    }
  }
  launcher.addEventListener("click", () => setOpen(!state.open));
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

  function show(view, ...nodes) {
    state.view = view;
    body.replaceChildren(...nodes);
    body.dataset.view = view;
    if (state.open) focusFirst();
  }

  function applyTheme() {
    const theme = state.config?.theme || {};
    const online = state.config?.online;
    title.textContent = (online || state.rid ? theme.title : theme.offlineTitle || theme.title) || "Chat";
    const color = theme.color && /^#[0-9a-fA-F]{3,8}$/.test(theme.color) ? theme.color : "";
    if (color) host.style.setProperty("--odl-accent", color);
    launcher.querySelector(".launcher-label").textContent =
      online || state.rid ? "Chat with us" : "Leave a message";
  }

  // --- start: config, then the right view -------------------------------------------------------------

  let starting = null;
  function ensureStarted() {
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
      const retry = el("button", { type: "button", class: "button", onclick: ensureStarted }, "Try again");
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
  }

  // --- registration ------------------------------------------------------------------------------------

  function showRegister() {
    const settings = state.config.settings;
    const name = el("input", { name: "name", autocomplete: "name", required: true, maxlength: "100" });
    const email = el("input", { name: "email", type: "email", autocomplete: "email", maxlength: "200" });
    const departments = (state.config.departments || []).filter(
      (department) => department.showOnRegistration,
    );
    const department = departments.length
      ? el(
          "select",
          { name: "department" },
          el("option", { value: "" }, "Any"),
          ...departments.map((item) => el("option", { value: item._id }, item.name)),
        )
      : null;
    const error = errorBox();
    const submit = el("button", { type: "submit", class: "button primary" }, "Start chat");
    const form = el(
      "form",
      { class: "form", novalidate: true },
      el("p", {}, "Tell us who you are and we'll connect you with an agent."),
      settings.nameFieldRegistrationForm !== false ? field("Your name", name) : null,
      settings.emailFieldRegistrationForm !== false ? field("Email", email, "(optional)") : null,
      department ? field("Department", department) : null,
      error,
      submit,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const visitor = { token: state.token };
      if (form.contains(name)) {
        if (!name.value.trim()) {
          showError(error, new Error("Please enter your name."));
          name.focus();
          return;
        }
        visitor.name = name.value.trim();
      }
      if (form.contains(email) && email.value.trim()) {
        if (!email.checkValidity()) {
          showError(error, new Error("Please enter a valid email address, or leave it empty."));
          email.focus();
          return;
        }
        visitor.email = email.value.trim();
      }
      if (department?.value) visitor.department = department.value;
      busy(submit, true, "Starting…");
      try {
        const data = await api("POST", "visitor", { visitor });
        state.guest = data.visitor;
      } catch (err) {
        showError(error, err);
        busy(submit, false, "Start chat");
        return;
      }
      showChat();
    });
    show("register", form);
  }

  // --- offline ------------------------------------------------------------------------------------------

  function showOffline() {
    const config = state.config;
    const text = el("p", {}, config.messages.offlineMessage || "We are offline right now.");
    if (!config.settings.displayOfflineForm) {
      show("offline", el("div", { class: "empty" }, text));
      return;
    }
    const name = el("input", { name: "name", autocomplete: "name", required: true });
    const email = el("input", { name: "email", type: "email", autocomplete: "email", required: true });
    const message = el("textarea", { name: "message", rows: "4", required: true });
    const error = errorBox();
    const submit = el("button", { type: "submit", class: "button primary" }, "Send message");
    const form = el(
      "form",
      { class: "form" },
      text,
      field("Your name", name),
      field("Email", email),
      field("Message", message),
      error,
      submit,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!form.reportValidity()) return;
      busy(submit, true, "Sending…");
      try {
        const data = await api("POST", "offline.message", {
          name: name.value.trim(),
          email: email.value.trim(),
          message: message.value,
          host: location.host,
        });
        show("offline-sent", el("div", { class: "empty", role: "status" }, el("p", {}, data.message)));
      } catch (err) {
        showError(error, err);
        busy(submit, false, "Send message");
      }
    });
    show("offline", form);
  }

  // --- the chat -------------------------------------------------------------------------------------------

  let chat = null; // the chat view's nodes while it shows

  function showChat() {
    state.seen = new Set();
    const messages = el("ol", {
      class: "messages",
      role: "log",
      "aria-live": "polite",
      "aria-label": "Messages",
    });
    const typing = el("p", { class: "typing", "aria-live": "polite" });
    const text = el("textarea", {
      rows: "2",
      maxlength: "5000",
      placeholder: "Type your message…",
      "aria-label": "Your message",
    });
    const send = el("button", { type: "submit", class: "button primary" }, "Send");
    const composer = el("form", { class: "composer" }, text, send);
    const end = el("button", { type: "button", class: "button small" }, "End chat");
    const transcript = el("button", { type: "button", class: "button small" }, "Email transcript");
    const toolbar = el(
      "div",
      { class: "toolbar" },
      end,
      state.config.settings.transcript ? transcript : null,
    );
    const confirm = el("div", {
      class: "confirm",
      role: "alertdialog",
      "aria-label": "End this chat?",
      hidden: true,
    });
    const verify = el("div", {
      class: "verify",
      role: "region",
      "aria-label": "Confirm your email",
      hidden: true,
    });
    const error = errorBox();
    chat = { messages, typing, text, composer, toolbar, confirm, verify, error, send };
    show("chat", toolbar, confirm, verify, messages, typing, error, composer);
    toolbar.hidden = !state.rid;
    updateSubtitle();
    if (state.rid) {
      loadHistory();
      listen();
      checkVerification();
    } else {
      messages.append(el("li", { class: "empty" }, "Send us a message and an agent will answer shortly."));
    }
    text.addEventListener("input", onTyping);
    text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        composer.requestSubmit();
      }
    });
    composer.addEventListener("submit", (event) => {
      event.preventDefault();
      sendMessage();
    });
    end.addEventListener("click", () => askToEnd());
    transcript.addEventListener("click", () => show("transcript", transcriptForm({ back: true })));
    if (state.open) text.focus();
  }

  function updateSubtitle() {
    if (!state.rid) subtitle.textContent = state.config?.online ? "We're online" : "";
    else if (state.agent && !state.agent.hiddenInfo)
      subtitle.textContent = `You're chatting with ${state.agent.name || state.agent.username}`;
    else if (state.agent) subtitle.textContent = "An agent is with you";
    else subtitle.textContent = "Waiting for an agent…";
  }

  async function loadHistory() {
    const rid = state.rid;
    chat.messages.setAttribute("aria-busy", "true");
    if (!chat.messages.children.length)
      chat.messages.append(el("li", { class: "loading" }, "Loading the conversation…"));
    try {
      const data = await api("GET", `messages.history/${encodeURIComponent(rid)}`, {
        token: state.token,
        limit: 200,
      });
      if (rid !== state.rid || !chat) return;
      // Also after a reconnection: the history fills any gap. What arrived live meanwhile stays after it.
      const live = [...chat.messages.children].filter((node) => node.dataset.id);
      chat.messages.replaceChildren();
      state.seen = new Set();
      data.messages.reverse().forEach(addMessage);
      for (const node of live) {
        if (!state.seen.has(node.dataset.id)) {
          state.seen.add(node.dataset.id);
          chat.messages.append(node);
        }
      }
    } catch (error) {
      if (chat) chat.messages.replaceChildren(el("li", { class: "empty" }, error.message));
    } finally {
      if (chat) chat.messages.setAttribute("aria-busy", "false");
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
        if (status === "reconnected" && state.rid && chat) loadHistory();
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
          const node = removed && state.rid === rid && findMessage(removed._id);
          if (node) node.remove();
        },
      ),
    ];
  }

  // Messages carry no visitor token (staff read them too): the visitor's own are those it authored.
  function mine(message) {
    return Boolean(message.u && state.guest && message.u._id === state.guest._id);
  }

  function author(message) {
    if (mine(message)) return "You";
    return (message.u && (message.u.name || message.u.username)) || "Agent";
  }

  function findMessage(id) {
    return chat && [...chat.messages.children].find((item) => item.dataset.id === id);
  }

  function addMessage(message) {
    if (chat && message && state.seen.has(message._id) && message.editedAt) {
      const node = findMessage(message._id);
      if (node?.querySelector(".text")) {
        node.querySelector(".text").textContent = message.msg;
        if (!node.querySelector(".edited"))
          node.querySelector("time").before(el("span", { class: "edited" }, "edited"));
      }
    }
    if (!chat || !message || state.seen.has(message._id)) return;
    state.seen.add(message._id);
    chat.messages.querySelector(".empty")?.remove();
    let node;
    if (message.t) {
      if (!SYSTEM_TEXT[message.t]) return;
      node = el("li", { class: "message system" }, SYSTEM_TEXT[message.t]);
    } else {
      node = el(
        "li",
        { class: `message ${mine(message) ? "mine" : "theirs"}`, "data-id": message._id },
        el("span", { class: "author" }, author(message)),
        el("p", { class: "text" }, message.msg),
        message.editedAt ? el("span", { class: "edited" }, "edited") : null,
        el("time", { datetime: toDate(message.ts)?.toISOString() || "" }, time(message.ts)),
      );
      if (!mine(message)) showTyping(null, []);
    }
    chat.messages.append(node);
    chat.messages.scrollTop = chat.messages.scrollHeight;
    if (message.t === "livechat-close") ended();
  }

  function showTyping(username, activities) {
    if (!chat) return;
    clearTimeout(state.typingShown);
    const typing = Array.isArray(activities) && activities.includes("user-typing");
    const name =
      state.agent && !state.agent.hiddenInfo && state.agent.username === username
        ? state.agent.name || username
        : "The agent";
    chat.typing.textContent = typing ? `${name} is typing…` : "";
    if (typing) {
      state.typingShown = setTimeout(() => {
        if (chat) chat.typing.textContent = "";
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

  async function openRoom() {
    if (!state.guest) {
      const data = await api("POST", "visitor", { visitor: { token: state.token } });
      state.guest = data.visitor;
    }
    const data = await api("GET", "room", { token: state.token });
    state.rid = data.room._id;
    save();
    chat.toolbar.hidden = false;
    updateSubtitle();
    listen();
    if (data.room.servedBy) loadAgent();
    else checkVerification();
  }

  // --- contact verification: a chat may wait until the visitor proves its email with a code -------------

  async function checkVerification() {
    const rid = state.rid;
    let status;
    try {
      status = await api("GET", "verification.status", { token: state.token, rid });
    } catch {
      return; // the chat works without it
    }
    if (!chat || state.rid !== rid || status.verified || !status.required) return;
    if (status.pending) showCodeStep(status.pending.value);
    else showEmailStep();
  }

  function showEmailStep(message = "") {
    const { verify } = chat;
    const email = el("input", { type: "email", autocomplete: "email", required: true });
    const guestEmail = state.guest?.visitorEmails?.[0];
    if (guestEmail) email.value = guestEmail.address;
    const submit = el("button", { type: "submit", class: "button primary" }, "Send code");
    const error = errorBox();
    const form = el(
      "form",
      { class: "form" },
      el("p", {}, message || "Please confirm your email address: an agent joins once it is confirmed."),
      field("Email", email),
      error,
      submit,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!email.value.trim() || !email.checkValidity()) {
        showError(error, new Error("Please enter a valid email address."));
        email.focus();
        return;
      }
      busy(submit, true, "Sending…");
      try {
        const data = await api("POST", "verification.request", {
          token: state.token,
          rid: state.rid,
          email: email.value.trim(),
        });
        showCodeStep(data.verification.value);
      } catch (err) {
        showError(error, err);
        busy(submit, false, "Send code");
      }
    });
    verify.replaceChildren(form);
    verify.hidden = false;
  }

  function showCodeStep(address) {
    const { verify } = chat;
    const code = el("input", {
      inputmode: "numeric",
      autocomplete: "one-time-code",
      maxlength: "6",
      required: true,
    });
    const submit = el("button", { type: "submit", class: "button primary" }, "Confirm");
    const again = el("button", { type: "button", class: "button" }, "Use another address");
    const error = errorBox();
    const form = el(
      "form",
      { class: "form" },
      el("p", {}, `We sent a 6-digit code to ${address}.`),
      field("Code", code),
      error,
      el("div", { class: "row" }, submit, again),
    );
    again.addEventListener("click", () => showEmailStep());
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      busy(submit, true, "Checking…");
      try {
        await api("POST", "verification.confirm", {
          token: state.token,
          rid: state.rid,
          code: code.value.trim(),
        });
      } catch (err) {
        showError(error, err);
        busy(submit, false, "Confirm");
        code.select();
        return;
      }
      verify.hidden = true;
      verify.replaceChildren();
      chat.text.focus();
    });
    verify.replaceChildren(form);
    verify.hidden = false;
    code.focus();
  }

  async function sendMessage() {
    const msg = chat.text.value;
    if (!msg.trim()) return;
    const { text, send, error } = chat;
    showError(error, null);
    busy(send, true);
    clearTimeout(state.typingStop);
    state.typingSentAt = 0;
    try {
      if (!state.rid) await openRoom();
      sendTyping(false);
      const data = await api("POST", "message", { token: state.token, rid: state.rid, msg, _id: newId() });
      text.value = "";
      addMessage(data.message);
    } catch (err) {
      if (err.type === "room-closed") {
        ended();
        return;
      }
      showError(error, FRIENDLY_ERRORS[err.type] ? new Error(FRIENDLY_ERRORS[err.type]) : err);
    } finally {
      busy(send, false);
      if (chat) text.focus();
    }
  }

  function askToEnd() {
    const { confirm } = chat;
    const yes = el("button", { type: "button", class: "button danger" }, "End chat");
    const no = el("button", { type: "button", class: "button" }, "Keep chatting");
    const error = errorBox();
    confirm.replaceChildren(el("p", {}, "End this chat?"), el("div", { class: "row" }, yes, no), error);
    confirm.hidden = false;
    no.addEventListener("click", () => {
      confirm.hidden = true;
      chat.text.focus();
    });
    yes.addEventListener("click", async () => {
      busy(yes, true, "Ending…");
      try {
        await api("POST", "room.close", { token: state.token, rid: state.rid });
      } catch (err) {
        if (err.type !== "room-closed") {
          showError(error, err);
          busy(yes, false, "End chat");
          return;
        }
      }
      ended();
    });
    yes.focus();
  }

  // --- after the chat -------------------------------------------------------------------------------------

  function ended() {
    if (state.view === "ended" || !state.rid) return;
    const rid = state.rid;
    for (const sub of state.roomSubs) sub.stop();
    state.roomSubs = [];
    clearTimeout(state.typingStop);
    state.endedRid = rid;
    state.rid = "";
    state.agent = null;
    save();
    chat = null;
    updateSubtitle();
    subtitle.textContent = "Chat ended";
    const finished = state.config?.messages.conversationFinishedMessage || "Thank you for chatting with us.";
    const again = el("button", { type: "button", class: "button" }, "Start a new chat");
    again.addEventListener("click", () => showChat());
    show(
      "ended",
      el(
        "div",
        { class: "ended" },
        el("p", { class: "ended-title" }, "This chat has ended."),
        el("p", {}, finished),
      ),
      state.config?.settings.transcript ? transcriptForm({ back: false, rid }) : null,
      again,
    );
  }

  function transcriptForm({ back, rid = state.rid }) {
    const email = el("input", { name: "email", type: "email", autocomplete: "email", required: true });
    const guestEmail = state.guest?.visitorEmails?.[0];
    if (guestEmail) email.value = guestEmail.address;
    const error = errorBox();
    const submit = el("button", { type: "submit", class: "button primary" }, "Send transcript");
    const cancel = back
      ? el("button", { type: "button", class: "button", onclick: () => showChat() }, "Back to the chat")
      : null;
    const prompt = state.config?.messages.transcriptMessage || "Would you like a copy of this chat emailed?";
    const form = el(
      "form",
      { class: "form transcript" },
      el("p", {}, prompt),
      field("Email", email),
      error,
      el("div", { class: "row" }, submit, cancel),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!email.value.trim() || !email.checkValidity()) {
        showError(error, new Error("Please enter a valid email address."));
        email.focus();
        return;
      }
      busy(submit, true, "Sending…");
      try {
        await api("POST", "transcript", { token: state.token, rid, email: email.value.trim() });
      } catch (err) {
        showError(error, err);
        busy(submit, false, "Send transcript");
        return;
      }
      const done = el(
        "p",
        { class: "done", role: "status" },
        `The transcript was sent to ${email.value.trim()}.`,
      );
      form.replaceWith(done);
      if (back)
        done.append(
          " ",
          el(
            "button",
            { type: "button", class: "button small", onclick: () => showChat() },
            "Back to the chat",
          ),
        );
    });
    return form;
  }

  // The configuration loads with the page, so the button says whether anyone is online and a returning
  // visitor's open chat is ready when the panel opens.
  ensureStarted();
})();
