// Contact verification in the visitor widget: a chat may wait until the visitor proves its email, or its
// mobile number when the workspace has an SMS channel, with a code (asked for in the chat view, above
// the messages).
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
    state.verifyBy = status.fields || ["email"];
    if (status.pending) showCodeStep(status.pending.value);
    else showAddressStep("email");
  }

  const KINDS = {
    email: {
      label: "Email",
      input: { type: "email", autocomplete: "email" },
      ask: "Please confirm your email address: an agent joins once it is confirmed.",
      invalid: "Please enter a valid email address.",
      other: "Send it by text message instead",
    },
    phone: {
      label: "Mobile number",
      input: { type: "tel", autocomplete: "tel" },
      ask: "Please confirm your mobile number with a code we text you: an agent joins once it is confirmed.",
      invalid: "Please enter your mobile number with its country code.",
      other: "Send it by email instead",
    },
  };

  // Where the code goes: "email", or "phone" (by SMS) when the workspace has an SMS channel.
  function showAddressStep(kind, message = "") {
    const { verify } = state.chat;
    const spec = KINDS[kind];
    const input = el("input", { ...spec.input, required: true });
    const guestEmail = state.guest?.visitorEmails?.[0];
    if (kind === "email" && guestEmail) input.value = guestEmail.address;
    if (kind === "phone" && state.guest?.phone?.[0]) input.value = state.guest.phone[0].phoneNumber;
    const submit = el("button", { type: "submit", class: "button primary" }, "Send code");
    const otherKind = kind === "email" ? "phone" : "email";
    const other = (state.verifyBy || ["email"]).includes(otherKind)
      ? el("button", { type: "button", class: "button" }, spec.other)
      : null;
    other?.addEventListener("click", () => showAddressStep(otherKind));
    const error = errorBox();
    const form = el(
      "form",
      { class: "form" },
      el("p", {}, message || spec.ask),
      field(spec.label, input),
      error,
      el("div", { class: "row" }, submit, other),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!input.value.trim() || !input.checkValidity()) {
        showError(error, new Error(spec.invalid));
        input.focus();
        return;
      }
      busy(submit, true, "Sending…");
      try {
        const data = await api("POST", "verification.request", {
          token: state.token,
          rid: state.rid,
          [kind]: input.value.trim(),
        });
        showCodeStep(data.verification.value, kind);
      } catch (err) {
        showError(error, err);
        busy(submit, false, "Send code");
      }
    });
    verify.setAttribute("aria-label", kind === "email" ? "Confirm your email" : "Confirm your mobile number");
    verify.replaceChildren(form);
    verify.hidden = false;
  }

  function showCodeStep(address, kind = address.includes("@") ? "email" : "phone") {
    const { verify } = state.chat;
    const code = el("input", {
      inputmode: "numeric",
      autocomplete: "one-time-code",
      maxlength: "6",
      required: true,
    });
    const submit = el("button", { type: "submit", class: "button primary" }, "Confirm");
    const again = el(
      "button",
      { type: "button", class: "button" },
      kind === "email" ? "Use another address" : "Use another number",
    );
    const error = errorBox();
    const form = el(
      "form",
      { class: "form" },
      el("p", {}, `We sent a 6-digit code to ${address}.`),
      field("Code", code),
      error,
      el("div", { class: "row" }, submit, again),
    );
    again.addEventListener("click", () => showAddressStep(kind));
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
