// Contact verification in the visitor widget: a chat may wait until the visitor proves its email with a
// code (asked for in the chat view, above the messages).
"use strict";

(() => {
  if (!Widget) return; // embedded twice
  const { el } = Dom;
  const { state, api, field, errorBox, showError, busy } = Widget;

  async function checkVerification() {
    const rid = state.rid;
    let status;
    try {
      status = await api("GET", "verification.status", { token: state.token, rid });
    } catch {
      return; // the chat works without it
    }
    if (!state.chat || state.rid !== rid || status.verified || !status.required) return;
    if (status.pending) showCodeStep(status.pending.value);
    else showEmailStep();
  }

  function showEmailStep(message = "") {
    const { verify } = state.chat;
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
    const { verify } = state.chat;
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
      state.chat.text.focus();
    });
    verify.replaceChildren(form);
    verify.hidden = false;
    code.focus();
  }

  Object.assign(Widget, { checkVerification });
})();
