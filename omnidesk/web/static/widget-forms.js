// The visitor widget's forms outside a chat: registration (who the visitor is), the offline message, and
// the transcript by email (during a chat and after it).
"use strict";

(() => {
  if (!Widget) return; // embedded twice
  const { el } = Dom;
  const { state, api, field, errorBox, showError, busy, show } = Widget;

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
    const intro =
      state.config.messages?.registrationFormMessage ||
      "Tell us who you are and we'll connect you with an agent.";
    const form = el(
      "form",
      { class: "form", novalidate: true },
      el("p", { class: "intro" }, intro),
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
      Widget.showChat();
      Widget.onTriggerEvent("after-guest-registration");
    });
    // What a trigger said before the visitor registered stays above the form.
    const said = (state.triggered || []).map((message) => Widget.triggeredItem(message));
    show("register", said.length ? el("ol", { class: "messages triggered-list" }, ...said) : null, form);
  }

  // --- offline ------------------------------------------------------------------------------------------

  function showOffline() {
    const config = state.config;
    const text = el("p", {}, config.messages.offlineMessage || "We are offline right now.");
    if (!config.settings.displayOfflineForm) {
      // Livechat_offline_form_unavailable: what to say when there is no form to leave a message in.
      const unavailable = config.messages.offlineUnavailableMessage || config.messages.offlineMessage;
      show("offline", el("div", { class: "empty" }, el("p", {}, unavailable || "We are offline right now.")));
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
        // Rocket.Chat's answer is a fixed text; the thanks the workspace chose is in the config.
        const thanks = config.messages.offlineSuccessMessage || data.message;
        show("offline-sent", el("div", { class: "empty", role: "status" }, el("p", {}, thanks)));
      } catch (err) {
        showError(error, err);
        busy(submit, false, "Send message");
      }
    });
    show("offline", form);
  }

  // --- the transcript -------------------------------------------------------------------------------------

  function transcriptForm({ back, rid = state.rid }) {
    const email = el("input", { name: "email", type: "email", autocomplete: "email", required: true });
    const guestEmail = state.guest?.visitorEmails?.[0];
    if (guestEmail) email.value = guestEmail.address;
    const error = errorBox();
    const submit = el("button", { type: "submit", class: "button primary" }, "Send transcript");
    const cancel = back
      ? el(
          "button",
          { type: "button", class: "button", onclick: () => Widget.showChat() },
          "Back to the chat",
        )
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
      const address = email.value.trim();
      let answer;
      try {
        answer = await api("POST", "transcript", { token: state.token, rid, email: address });
      } catch (err) {
        showError(error, err);
        busy(submit, false, "Send transcript");
        return;
      }
      // While the workspace's email delivery is off the transcript waits in the queue: say so.
      const done = el(
        "p",
        { class: "done", role: "status" },
        answer.delivery === "queued"
          ? `The transcript for ${address} is queued: email delivery is off for now.`
          : `The transcript was sent to ${address}.`,
      );
      form.replaceWith(done);
      if (back)
        done.append(
          " ",
          el(
            "button",
            { type: "button", class: "button small", onclick: () => Widget.showChat() },
            "Back to the chat",
          ),
        );
    });
    return form;
  }

  Object.assign(Widget, { showRegister, showOffline, transcriptForm });
})();
