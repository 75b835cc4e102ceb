// The visitor widget's chat view: the messages, the composer and the toolbar; opening a chat with the
// first message, sending, ending it, and the view after it ended.
"use strict";

(() => {
  if (!Widget) return; // embedded twice
  const { el } = Dom;
  const { state, save, api, errorBox, showError, busy, show, subtitle, updateSubtitle } = Widget;
  const { transcriptForm, loadHistory, loadAgent, listen, addMessage, sendTyping, onTyping } = Widget;
  const { checkVerification } = Widget;
  const FRIENDLY_ERRORS = {
    "no-agent-online": "Sorry, no agent is online right now. Please try again later.",
    "error-contact-channel-blocked": "Sorry, you cannot start a chat here.",
  };

  // Rocket.Chat's limitTextLength: false, or the most characters a message may have.
  const MAX_LENGTH = 5000;
  const characterLimit = () => Number(state.config?.settings.limitTextLength) || 0;

  function showChat() {
    state.seen = new Set();
    const limit = characterLimit();
    const messages = el("ol", {
      class: "messages",
      role: "log",
      "aria-live": "polite",
      "aria-label": "Messages",
    });
    const typing = el("p", { class: "typing", "aria-live": "polite" });
    // With a limit the visitor may type past it and sees by how much: the counter turns red and Send
    // refuses, rather than the browser silently cutting a pasted text.
    const counter = limit
      ? el("p", { class: "counter", id: "odl-counter", "aria-live": "polite" }, `0 / ${limit}`)
      : null;
    const text = el("textarea", {
      rows: "2",
      maxlength: String(limit ? Math.max(limit * 2, limit + 100) : MAX_LENGTH),
      placeholder: "Type your message…",
      "aria-label": "Your message",
      "aria-describedby": counter ? "odl-counter" : null,
    });
    const send = el("button", { type: "submit", class: "button primary" }, "Send");
    // Livechat_fileupload_enabled and FileUpload_Enabled (the config's fileUpload).
    const canAttach = Boolean(state.config.settings.fileUpload);
    const file = canAttach ? el("input", { type: "file", hidden: true, "aria-hidden": "true" }) : null;
    const attach = canAttach
      ? el(
          "button",
          { type: "button", class: "button attach", "aria-label": "Attach a file", title: "Attach a file" },
          "Attach",
        )
      : null;
    const composer = el("form", { class: "composer" }, text, file, attach, send);
    const end = el("button", { type: "button", class: "button small" }, "End chat");
    // Omnichannel_allow_visitors_to_close_conversation: without it only the agent ends the chat.
    end.hidden = state.config.settings.visitorsCanCloseChat === false;
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
    state.chat = { messages, typing, text, composer, toolbar, confirm, verify, error, send, counter };
    show("chat", toolbar, confirm, verify, messages, typing, error, counter, composer);
    toolbar.hidden = !state.rid;
    updateSubtitle();
    if (state.rid) {
      loadHistory();
      listen();
      checkVerification();
    } else if (state.triggered?.length) {
      for (const message of state.triggered) messages.append(Widget.triggeredItem(message));
    } else {
      messages.append(el("li", { class: "empty" }, "Send us a message and an agent will answer shortly."));
    }
    text.addEventListener("input", onTyping);
    if (counter) text.addEventListener("input", countCharacters);
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
    if (attach) {
      attach.addEventListener("click", () => file.click());
      file.addEventListener("change", () => {
        const chosen = file.files?.[0];
        file.value = "";
        if (chosen) sendFile(chosen, attach);
      });
    }
    end.addEventListener("click", () => askToEnd());
    transcript.addEventListener("click", () => show("transcript", transcriptForm({ back: true })));
    if (state.open) text.focus();
  }

  function countCharacters() {
    const { text, counter } = state.chat;
    const limit = characterLimit();
    const over = text.value.length > limit;
    counter.textContent = over
      ? `${text.value.length} / ${limit}: ${text.value.length - limit} too many`
      : `${text.value.length} / ${limit}`;
    counter.classList.toggle("over", over);
  }

  async function openRoom() {
    if (!state.guest) {
      const data = await api("POST", "visitor", { visitor: { token: state.token } });
      state.guest = data.visitor;
    }
    const data = await api("GET", "room", { token: state.token });
    state.rid = data.room._id;
    save();
    state.chat.toolbar.hidden = false;
    updateSubtitle();
    listen();
    if (data.room.servedBy) loadAgent();
    else checkVerification();
  }

  async function sendMessage() {
    const msg = state.chat.text.value;
    if (!msg.trim()) return;
    const { text, send, error } = state.chat;
    const limit = characterLimit();
    if (limit && msg.length > limit) {
      showError(error, new Error(`Your message is too long: at most ${limit} characters.`));
      text.focus();
      return;
    }
    showError(error, null);
    busy(send, true);
    clearTimeout(state.typingStop);
    state.typingSentAt = 0;
    try {
      if (!state.rid) await openRoom();
      sendTyping(false);
      const data = await api("POST", "message", {
        token: state.token,
        rid: state.rid,
        msg,
        _id: ChatMessages.newId(),
      });
      text.value = "";
      if (state.chat?.counter) countCharacters();
      addMessage(data.message);
    } catch (err) {
      if (err.type === "room-closed") {
        ended();
        return;
      }
      showError(error, FRIENDLY_ERRORS[err.type] ? new Error(FRIENDLY_ERRORS[err.type]) : err);
    } finally {
      busy(send, false);
      if (state.chat) text.focus();
    }
  }

  // livechat/upload: the file becomes a message of the chat (opened first if need be).
  async function sendFile(chosen, button) {
    const { error } = state.chat;
    showError(error, null);
    busy(button, true);
    try {
      if (!state.rid) await openRoom();
      const form = new FormData();
      form.append("file", chosen, chosen.name);
      const url = `${Widget.server}/api/v1/livechat/upload/${encodeURIComponent(state.rid)}`;
      const response = await fetch(url, {
        method: "POST",
        mode: "cors",
        credentials: "omit",
        headers: { "X-Visitor-Token": state.token },
        body: form,
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok || data.success === false) {
        throw new Error((data.error || `HTTP ${response.status}`).replace(/ \[[^\]]+\]$/, ""));
      }
      addMessage(data);
    } catch (err) {
      showError(error, err);
    } finally {
      busy(button, false);
    }
  }

  function askToEnd() {
    const { confirm } = state.chat;
    const yes = el("button", { type: "button", class: "button danger" }, "End chat");
    const no = el("button", { type: "button", class: "button" }, "Keep chatting");
    const error = errorBox();
    confirm.replaceChildren(el("p", {}, "End this chat?"), el("div", { class: "row" }, yes, no), error);
    confirm.hidden = false;
    no.addEventListener("click", () => {
      confirm.hidden = true;
      state.chat.text.focus();
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
    state.chat = null;
    updateSubtitle();
    subtitle.textContent = "Chat ended";
    const messages = state.config?.messages || {};
    const finished = messages.conversationFinishedMessage || "Thank you for chatting with us.";
    const again = el("button", { type: "button", class: "button" }, "Start a new chat");
    again.addEventListener("click", () => showChat());
    show(
      "ended",
      el(
        "div",
        { class: "ended" },
        el("p", { class: "ended-title" }, "This chat has ended."),
        el("p", {}, finished),
        messages.conversationFinishedText
          ? el("p", { class: "finished-text" }, messages.conversationFinishedText)
          : null,
      ),
      state.config?.settings.transcript ? transcriptForm({ back: false, rid }) : null,
      again,
    );
  }

  Object.assign(Widget, { showChat, ended });
})();
