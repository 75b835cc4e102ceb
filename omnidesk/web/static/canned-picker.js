// The composer's canned responses: "!" or "/" at the start of the reply or after a space opens the
// responses the agent may use (canned-responses.get), filtered by what follows it; arrows move, Enter or
// Tab inserts, Escape closes. The inserted text has its placeholders filled from the chat's contact and
// the signed-in agent (Rocket.Chat's five; any other stays as written), and goes in as text.
"use strict";

(() => {
  const { api, el } = Omnidesk;
  const { $, state } = Live;
  const box = $("composer-text");
  const list = $("canned-picker");
  const TRIGGER = /(^|\s)([!/])(\S*)$/;
  // dismissedAt: where the trigger Escape closed the list for is (it stays closed while that one is typed).
  const picker = { open: false, responses: null, error: "", shown: [], active: 0, start: 0, dismissedAt: -1 };
  let agent = null;

  const first = (items, key) => (Array.isArray(items) && items[0] ? items[0][key] || "" : "");

  function placeholders() {
    const room = state.room || {};
    const visitor = room.v || {};
    const contact = state.contact || {};
    const phone = typeof visitor.phone === "string" ? visitor.phone : first(visitor.phone, "phoneNumber");
    return {
      "contact.name": contact.name || visitor.name || room.fname || "",
      "contact.email": first(contact.emails, "address") || first(visitor.visitorEmails, "address"),
      "contact.phone": first(contact.phones, "phoneNumber") || phone || "",
      "agent.name": agent?.name || "",
      "agent.email": first(agent?.emails, "address"),
    };
  }

  const fill = (text, values) =>
    text.replace(/\{\{([\w.]+)\}\}/g, (whole, key) => (key in values ? values[key] : whole));

  function close() {
    picker.open = false;
    list.hidden = true;
    box.removeAttribute("aria-activedescendant");
  }

  function render() {
    if (picker.error) {
      list.replaceChildren(el("li", { class: "empty" }, `Canned responses unavailable: ${picker.error}`));
    } else if (picker.responses === null) {
      list.replaceChildren(el("li", { class: "empty" }, "Loading canned responses…"));
    } else if (!picker.shown.length) {
      list.replaceChildren(el("li", { class: "empty" }, "No canned response matches."));
    } else {
      list.replaceChildren(
        ...picker.shown.map((response, index) =>
          el(
            "li",
            {
              role: "option",
              id: `canned-option-${index}`,
              "aria-selected": String(index === picker.active),
              onmousedown: (event) => {
                event.preventDefault(); // the reply box keeps the focus
                choose(index);
              },
            },
            el("span", { class: "shortcut" }, `!${response.shortcut}`),
            el("span", { class: "preview" }, response.text),
          ),
        ),
      );
    }
    if (picker.shown.length) box.setAttribute("aria-activedescendant", `canned-option-${picker.active}`);
    else box.removeAttribute("aria-activedescendant");
    list.querySelector("[aria-selected=true]")?.scrollIntoView({ block: "nearest" });
  }

  function filter(query) {
    const needle = query.toLowerCase();
    const matches = (picker.responses || []).filter(
      (r) => r.shortcut.toLowerCase().includes(needle) || r.text.toLowerCase().includes(needle),
    );
    // Shortcuts that start with what was typed come first.
    const starts = (r) => (r.shortcut.toLowerCase().startsWith(needle) ? 0 : 1);
    picker.shown = matches.sort((a, b) => starts(a) - starts(b));
    picker.active = 0;
    render();
  }

  // Read each time the list opens, so a response saved meanwhile is there.
  async function load() {
    picker.responses = null;
    picker.error = "";
    render();
    try {
      const [data, me] = await Promise.all([api("GET", "canned-responses.get"), agent || api("GET", "me")]);
      picker.responses = data.responses;
      agent = me;
    } catch (error) {
      picker.responses = [];
      picker.error = error.message;
    }
    if (picker.open) update();
  }

  // Open, filter or close the list from the word the caret is in.
  function update() {
    if (!"!/".includes(box.value[picker.dismissedAt] || "-")) picker.dismissedAt = -1;
    const before = box.value.slice(0, box.selectionStart);
    const match = TRIGGER.exec(before);
    const start = match ? before.length - match[2].length - match[3].length : -1;
    if (!match || box.selectionStart !== box.selectionEnd || start === picker.dismissedAt) {
      close();
      return;
    }
    picker.start = start;
    if (!picker.open) {
      picker.open = true;
      list.hidden = false;
      load();
    }
    if (picker.responses !== null) filter(match[3]);
  }

  function choose(index) {
    const response = picker.shown[index];
    if (!response) return;
    const text = fill(response.text, placeholders());
    box.setRangeText(text, picker.start, box.selectionStart, "end");
    close();
    box.focus();
  }

  box.addEventListener("input", update);
  box.addEventListener("click", update);
  box.addEventListener("keyup", (event) => {
    if (["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) update();
  });
  box.addEventListener("blur", close);
  $("composer").addEventListener("submit", close);
  // On the form, in the capture phase: before the reply box's own Enter, which sends.
  $("composer").addEventListener(
    "keydown",
    (event) => {
      if (!picker.open || event.target !== box) return;
      const count = picker.shown.length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!count) return;
        picker.active = (picker.active + (event.key === "ArrowDown" ? 1 : count - 1)) % count;
        render();
      } else if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey && count) {
        choose(picker.active);
      } else if (event.key === "Escape") {
        picker.dismissedAt = picker.start;
        close();
      } else return;
      event.preventDefault();
      event.stopPropagation();
    },
    true,
  );
})();
