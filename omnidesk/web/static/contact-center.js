// The Contact Center's shared pieces: the page's configuration, channel icons and labels, chat
// statuses, the side panel (drawer), dialogs, a tag picker (the table and the conversation view are
// in contact-center-views.js). Every piece builds user data with Omnidesk.el (text nodes), never HTML.
"use strict";

// biome-ignore lint/correctness/noUnusedVariables: the global the Contact Center tabs' scripts use
const CC = (() => {
  const { el, api, toast, formatDate } = Omnidesk;
  const config = JSON.parse(document.getElementById("cc-config").textContent);
  const can = (permission) => config.permissions.includes(permission);
  let uid = 0;
  const nextId = (prefix) => `${prefix}-${++uid}`;

  // --- text helpers --------------------------------------------------------------------------------

  // "Invalid email x [error-invalid-email]" -> "Invalid email x"
  function errorText(error) {
    return String(error?.message || error || "Something went wrong").replace(/\s*\[[^\]]+\]$/, "");
  }

  function fail(error) {
    toast(errorText(error), "error");
  }

  function plural(count, one, many) {
    return `${count} ${count === 1 ? one : many}`;
  }

  // --- icons and channels --------------------------------------------------------------------------

  const SVG = "http://www.w3.org/2000/svg";
  const ICONS = {
    chat: "M4 5h16v10H9l-5 4z",
    api: "M9 7l-5 5 5 5M15 7l5 5-5 5",
    mail: "M3 6h18v12H3zM3 7l9 6 9-6",
    sms: "M8 3h8v18H8zM11 18h2",
    whatsapp: "M5 19l1.2-3.6A8 8 0 1 1 9 18.4zM9 9c0 3 3 6 6 6",
    voice: "M6 3h3l2 5-2 1.5a11 11 0 0 0 5.5 5.5L16 13l5 2v3a2 2 0 0 1-2 2A16 16 0 0 1 4 5a2 2 0 0 1 2-2z",
    app: "M4 4h7v7H4zM13 4h7v7h-7zM4 13h7v7H4zM13 13h7v7h-7z",
    other: "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z",
    search: "M10.5 4a6.5 6.5 0 1 0 0 13 6.5 6.5 0 0 0 0-13zM15.5 15.5L20 20",
    edit: "M4 20h4L19 9l-4-4L4 16zM13 7l4 4",
    trash: "M5 7h14M10 7V4h4v3M7 7l1 13h8l1-13",
    more: "M12 5.5v.01M12 12v.01M12 18.5v.01",
    close: "M6 6l12 12M18 6L6 18",
    back: "M15 5l-7 7 7 7",
    download: "M12 4v11M7 10l5 5 5-5M5 20h14",
    send: "M4 12l16-8-6 16-2-7z",
  };

  function icon(name, className = "cc-icon") {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("class", className);
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", ICONS[name] || ICONS.other);
    svg.append(path);
    return svg;
  }

  const CHANNELS = {
    widget: { label: "Web chat", icon: "chat" },
    api: { label: "API", icon: "api" },
    email: { label: "Email", icon: "mail" },
    sms: { label: "SMS", icon: "sms" },
    whatsapp: { label: "WhatsApp", icon: "whatsapp" },
    voice: { label: "Voice call", icon: "voice" },
    app: { label: "App", icon: "app" },
    other: { label: "Other", icon: "other" },
  };

  function channelOf(source) {
    const type = source?.type || "other";
    const known = CHANNELS[type] || { label: type, icon: "other" };
    const label = type === "app" && source.label ? source.label : known.label;
    return { type, label, icon: known.icon };
  }

  function channelCell(source) {
    const channel = channelOf(source);
    const title = source?.destination ? `${channel.label} (${source.destination})` : channel.label;
    return el(
      "span",
      { class: `cc-channel cc-channel-${channel.icon}`, title },
      icon(channel.icon),
      channel.label,
    );
  }

  // Rocket.Chat's rule: Closed without `open`; Queued when nobody serves it; then On hold; else Open.
  function statusOf(room) {
    if (!room.open) return { key: "closed", label: "Closed", kind: "" };
    if (!room.servedBy) return { key: "queued", label: "Queued", kind: "warn" };
    if (room.onHold) return { key: "onhold", label: "On hold", kind: "info" };
    return { key: "open", label: "Open", kind: "ok" };
  }

  function tag(text, kind = "") {
    return el("span", { class: `tag ${kind}`.trim() }, text);
  }

  function verificationTag(verified) {
    return verified ? tag("Verified", "ok") : tag("Unverified");
  }

  function when(iso) {
    return iso ? el("time", { datetime: iso }, formatDate(iso)) : "";
  }

  // Compact dates for table cells: "Mar 4, 09:30" this year, "Mar 4, 2025" before; the full date on hover.
  function shortWhen(iso) {
    if (!iso) return el("span", { class: "muted" }, "—");
    const date = new Date(iso);
    const sameYear = date.getFullYear() === new Date().getFullYear();
    const text = date.toLocaleString(
      undefined,
      sameYear
        ? { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }
        : { year: "numeric", month: "short", day: "numeric" },
    );
    return el("time", { datetime: iso, title: formatDate(iso) }, text);
  }

  // dl.details from [label, value] pairs; empty values are left out unless `keepEmpty`.
  function details(pairs, { keepEmpty = false } = {}) {
    const list = el("dl", { class: "details" });
    for (const [label, value] of pairs) {
      const empty =
        value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length);
      if (empty && !keepEmpty) continue;
      list.append(el("dt", {}, label), el("dd", {}, empty ? el("span", { class: "muted" }, "—") : value));
    }
    return list;
  }

  // --- lookups shared by the tabs (each loaded once per page) --------------------------------------

  const cache = new Map();
  function once(key, load) {
    if (!cache.has(key))
      cache.set(
        key,
        load().catch((error) => {
          cache.delete(key);
          throw error;
        }),
      );
    return cache.get(key);
  }
  const lookups = {
    agents: () =>
      once(
        "agents",
        async () => (await api("GET", "livechat/users/agent", { count: 500, sort: { name: 1 } })).users,
      ),
    departments: () =>
      once(
        "departments",
        async () =>
          (
            await api("GET", "livechat/department", {
              count: 500,
              onlyMyDepartments: can("view-livechat-rooms") ? "false" : "true",
              showArchived: "true",
            })
          ).departments,
      ),
    tags: () =>
      once("tags", async () => (await api("GET", "livechat/tags", { count: 500, viewAll: "true" })).tags),
    priorities: () =>
      once(
        "priorities",
        async () =>
          (await api("GET", "livechat/priorities", { count: 50, sort: { sortItem: 1 } })).priorities,
      ),
    slas: () =>
      once(
        "slas",
        async () => (await api("GET", "livechat/sla", { count: 500, sort: { dueTimeInMinutes: 1 } })).sla,
      ),
    customFields: () =>
      once(
        "customFields",
        async () => (await api("GET", "livechat/custom-fields", { count: 500 })).customFields,
      ),
  };

  function priorityName(priority) {
    return priority ? priority.name || priority.i18n : "";
  }

  // --- URLs: the detail routes are deep links ------------------------------------------------------

  const basePath = `/contact-center/${config.tab}`;
  function detailPath(id) {
    return id ? `${basePath}/${encodeURIComponent(id)}` : basePath;
  }
  function setDetail(id) {
    const path = detailPath(id) + window.location.search;
    if (window.location.pathname + window.location.search !== path) history.pushState({ id }, "", path);
  }
  function currentDetail() {
    const rest = window.location.pathname.slice(basePath.length).replace(/^\//, "");
    return rest ? decodeURIComponent(rest) : null;
  }
  function onRoute(handler) {
    window.addEventListener("popstate", () => handler(currentDetail()));
  }

  // --- the side panel ------------------------------------------------------------------------------

  const drawer = (() => {
    const node = document.getElementById("cc-drawer");
    let opener = null;
    let openerRow = null; // the id of the table row it was opened from: tables re-render their rows
    let onClose = null;
    const title = el("h2", { id: "cc-drawer-title" });
    const headerActions = el("div", { class: "row cc-drawer-actions" });
    const closeButton = el(
      "button",
      { type: "button", class: "button small cc-icon-button", "aria-label": "Close panel", title: "Close" },
      icon("close"),
    );
    const body = el("div", { class: "cc-drawer-body" });
    node.append(el("header", {}, title, el("div", { class: "row" }, headerActions, closeButton)), body);
    closeButton.addEventListener("click", () => close());
    node.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !document.querySelector("dialog[open]") && !event.defaultPrevented) {
        event.preventDefault();
        close();
      }
    });

    function open(text, { closed } = {}) {
      if (node.hidden) {
        opener = document.activeElement;
        openerRow = opener?.closest?.("tr[data-id]")?.dataset.id || null;
      }
      onClose = closed || null;
      title.textContent = text;
      headerActions.replaceChildren();
      body.replaceChildren(el("div", { class: "loading" }, "Loading…"));
      node.hidden = false;
      document.body.classList.add("cc-drawer-open");
      node.focus();
      return body;
    }

    function close({ silent = false } = {}) {
      if (node.hidden) return;
      node.hidden = true;
      document.body.classList.remove("cc-drawer-open");
      body.replaceChildren();
      const callback = onClose;
      onClose = null;
      if (!silent && callback) callback();
      if (opener && !document.contains(opener) && openerRow) {
        opener = document.querySelector(`tr[data-id="${CSS.escape(openerRow)}"] .cc-row-link`);
      }
      if (opener && document.contains(opener)) opener.focus();
      opener = null;
      openerRow = null;
    }

    return {
      node,
      body,
      open,
      close,
      get isOpen() {
        return !node.hidden;
      },
      setTitle(text) {
        title.textContent = text;
      },
      setActions(...buttons) {
        headerActions.replaceChildren(...buttons);
      },
    };
  })();

  // --- dialogs -------------------------------------------------------------------------------------

  // A modal <dialog>: Escape closes it (the browser's cancel), focus returns to what opened it.
  function modal({ title, content, actions, className = "" }) {
    const headingId = nextId("dialog-title");
    const previous = document.activeElement;
    const dialog = el(
      "dialog",
      { class: `cc-dialog ${className}`.trim(), "aria-labelledby": headingId },
      el("h2", { id: headingId }, title),
      content,
      el("div", { class: "cc-dialog-actions" }, ...actions),
    );
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (previous && document.contains(previous)) previous.focus();
    });
    document.body.append(dialog);
    dialog.showModal();
    return dialog;
  }

  function confirmDialog({ title, message, confirmLabel, danger = false }) {
    return new Promise((resolve) => {
      let answer = false;
      const cancel = el("button", { type: "button", class: "button" }, "Cancel");
      const confirm = el(
        "button",
        { type: "button", class: `button ${danger ? "danger" : "primary"}` },
        confirmLabel,
      );
      const dialog = modal({ title, content: el("p", {}, message), actions: [cancel, confirm] });
      cancel.addEventListener("click", () => dialog.close());
      confirm.addEventListener("click", () => {
        answer = true;
        dialog.close();
      });
      dialog.addEventListener("close", () => resolve(answer));
      (danger ? cancel : confirm).focus();
    });
  }

  // A dialog holding a form; `submit(form)` may throw to show its error and keep the dialog open.
  function formDialog({ title, fields, submitLabel, submit, className = "" }) {
    const alert = el("p", { class: "alert alert-error", role: "alert", hidden: true });
    const form = el("form", { class: "stack", novalidate: true }, alert, ...fields);
    const cancel = el("button", { type: "button", class: "button" }, "Cancel");
    const save = el("button", { type: "submit", class: "button primary" }, submitLabel);
    form.append(el("div", { class: "cc-dialog-actions" }, cancel, save));
    const dialog = modal({ title, content: form, actions: [], className });
    dialog.querySelector(".cc-dialog-actions:empty")?.remove();
    cancel.addEventListener("click", () => dialog.close());
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      alert.hidden = true;
      save.disabled = true;
      try {
        if ((await submit(form)) !== false) dialog.close();
      } catch (error) {
        alert.textContent = errorText(error);
        alert.hidden = false;
      } finally {
        save.disabled = false;
      }
    });
    const first = form.querySelector("input, select, textarea");
    if (first) first.focus();
    return { dialog, form, alert };
  }

  // --- a pop-up menu (button + role=menu) ----------------------------------------------------------

  function menuButton({ label, items }) {
    const menuId = nextId("menu");
    const button = el(
      "button",
      {
        type: "button",
        class: "button small cc-icon-button",
        "aria-haspopup": "menu",
        "aria-expanded": "false",
        "aria-controls": menuId,
        "aria-label": label,
        title: label,
      },
      icon("more"),
    );
    const menu = el("ul", { class: "cc-menu", role: "menu", id: menuId, hidden: true });
    const wrap = el("div", { class: "cc-menu-wrap" }, button, menu);
    const entries = items.map(({ label: text, action, danger }) => {
      const entry = el(
        "button",
        { type: "button", role: "menuitem", class: danger ? "danger" : "", tabindex: "-1" },
        text,
      );
      entry.addEventListener("click", () => {
        hide();
        action();
      });
      menu.append(el("li", { role: "none" }, entry));
      return entry;
    });
    function show() {
      menu.hidden = false;
      button.setAttribute("aria-expanded", "true");
      entries[0]?.focus();
      document.addEventListener("click", outside, true);
    }
    function hide({ focus = false } = {}) {
      menu.hidden = true;
      button.setAttribute("aria-expanded", "false");
      document.removeEventListener("click", outside, true);
      if (focus) button.focus();
    }
    function outside(event) {
      if (!wrap.contains(event.target)) hide();
    }
    button.addEventListener("click", () => (menu.hidden ? show() : hide()));
    menu.addEventListener("keydown", (event) => {
      const index = entries.indexOf(document.activeElement);
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        hide({ focus: true });
      } else if (event.key === "ArrowDown") {
        event.preventDefault();
        entries[(index + 1) % entries.length].focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        entries[(index - 1 + entries.length) % entries.length].focus();
      } else if (event.key === "Tab") hide();
    });
    return wrap;
  }

  // --- tabs inside a panel (role=tablist) ----------------------------------------------------------

  function tabSet(label, tabs, { selected = 0, onSelect } = {}) {
    const list = el("div", { class: "tabs cc-inner-tabs", role: "tablist", "aria-label": label });
    const panels = [];
    const buttons = tabs.map(({ label: text }, index) => {
      const tabId = nextId("tab"),
        panelId = nextId("panel");
      const button = el(
        "button",
        {
          type: "button",
          role: "tab",
          id: tabId,
          "aria-controls": panelId,
          "aria-selected": "false",
          tabindex: "-1",
        },
        text,
      );
      panels.push(
        el("div", {
          role: "tabpanel",
          id: panelId,
          "aria-labelledby": tabId,
          hidden: true,
          tabindex: "0",
          class: "cc-tabpanel",
        }),
      );
      button.addEventListener("click", () => choose(index));
      button.addEventListener("keydown", (event) => {
        const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
        if (step) {
          event.preventDefault();
          choose((index + step + tabs.length) % tabs.length, true);
        }
      });
      return button;
    });
    list.append(...buttons);
    function choose(index, focus = false) {
      buttons.forEach((button, i) => {
        button.setAttribute("aria-selected", String(i === index));
        button.tabIndex = i === index ? 0 : -1;
        panels[i].hidden = i !== index;
      });
      if (focus) buttons[index].focus();
      if (!panels[index].dataset.loaded) {
        panels[index].dataset.loaded = "1";
        tabs[index].render(panels[index]);
      }
      if (onSelect) onSelect(index);
    }
    const node = el("div", { class: "cc-tabset" }, list, ...panels);
    choose(selected);
    return { node, choose, panels };
  }

  // --- tags picker: chips plus a text box with suggestions -----------------------------------------

  // `strict`: only the suggestions (the workspace's tags, livechat/tags) may be added, as a chat's tags
  // are chosen from the list a manager keeps; a filter takes any text. Chips already there stay.
  function tagPicker({ label, values = [], suggestions = [], onChange, strict = false }) {
    const chosen = [...values];
    let known = [];
    const labelId = nextId("tags-label"),
      inputId = nextId("tags-input"),
      listId = nextId("tags-list");
    const chips = el("ul", { class: "cc-chips", "aria-label": `Chosen ${label.toLowerCase()}` });
    const input = el("input", {
      id: inputId,
      list: listId,
      autocomplete: "off",
      placeholder: "Type and press Enter",
    });
    const add = el("button", { type: "button", class: "button small" }, "Add");
    const datalist = el("datalist", { id: listId });
    const hint = el("p", { class: "cc-field-warning", role: "status" });
    const node = el(
      "div",
      { class: "cc-tag-picker", role: "group", "aria-labelledby": labelId },
      el("label", { id: labelId, for: inputId }, label),
      chips,
      el("div", { class: "row" }, input, add),
      hint,
      datalist,
    );

    function setSuggestions(names) {
      known = [...names];
      datalist.replaceChildren(...names.map((name) => el("option", { value: name })));
      if (strict) {
        input.disabled = add.disabled = !known.length;
        input.placeholder = known.length ? "Pick a tag from the list" : "No tags are defined";
      }
    }
    function render() {
      chips.replaceChildren(
        ...chosen.map((value) =>
          el(
            "li",
            {},
            tag(value, "info"),
            el(
              "button",
              {
                type: "button",
                class: "cc-chip-remove",
                "aria-label": `Remove ${value}`,
                onclick: () => remove(value),
              },
              "×",
            ),
          ),
        ),
      );
      chips.hidden = !chosen.length;
    }
    function commit() {
      const typed = input.value.trim();
      input.value = "";
      hint.textContent = "";
      const value = strict ? known.find((name) => name.toLowerCase() === typed.toLowerCase()) : typed;
      if (typed && !value) {
        input.value = typed;
        hint.textContent = `"${typed}" is not one of the tags: pick one from the list.`;
        return;
      }
      if (value && !chosen.includes(value)) {
        chosen.push(value);
        render();
        if (onChange) onChange([...chosen]);
      }
    }
    function remove(value) {
      chosen.splice(chosen.indexOf(value), 1);
      render();
      input.focus();
      if (onChange) onChange([...chosen]);
    }
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        commit();
      }
    });
    // Picking one of the suggestions adds it at once.
    input.addEventListener("input", (event) => {
      if (event.inputType === undefined || event.inputType === "insertReplacementText") {
        if ([...datalist.options].some((option) => option.value === input.value)) commit();
      }
    });
    add.addEventListener("click", commit);
    setSuggestions(suggestions);
    render();
    return {
      node,
      values: () => [...chosen],
      set(next) {
        chosen.splice(0, chosen.length, ...next);
        render();
      },
      setSuggestions,
    };
  }

  return {
    config,
    can,
    errorText,
    fail,
    plural,
    icon,
    channelOf,
    channelCell,
    statusOf,
    tag,
    verificationTag,
    when,
    shortWhen,
    details,
    lookups,
    priorityName,
    setDetail,
    currentDetail,
    onRoute,
    drawer,
    modal,
    confirmDialog,
    formDialog,
    menuButton,
    tabSet,
    tagPicker,
    nextId,
  };
})();
