// The Contact Center's views of its lists and chats, added to CC: a sortable, paged table whose rows
// can be replaced under the user (a refresh after an edit or a live update) without losing its page,
// sort, selection or focus, and the conversation view of one chat, with search inside it. Every piece
// builds user data with Omnidesk.el (text nodes), never HTML.
"use strict";

(() => {
  const { el, api } = Omnidesk;
  const { errorText, plural, icon, when } = CC;

  // --- a sortable, paged table ---------------------------------------------------------------------

  function dataTable({ container, caption, columns, load, rowHref, onOpen, sort, emptyText, pageSize = 25 }) {
    // `selected`: the row whose side panel is open, marked again whenever the rows are replaced.
    const state = { sort: { ...sort }, offset: 0, count: pageSize, total: 0, request: 0, selected: null };
    const head = el("tr");
    const body = el("tbody");
    const table = el(
      "table",
      { class: "data cc-table" },
      el("caption", { class: "visually-hidden" }, caption),
      el("thead", {}, head),
      body,
    );
    const status = el("span", { class: "cc-pager-status", "aria-live": "polite" });
    const previous = el("button", { type: "button", class: "button small" }, "Previous");
    const next = el("button", { type: "button", class: "button small" }, "Next");
    const perPage = el(
      "select",
      { "aria-label": "Rows per page", class: "cc-per-page" },
      ...[25, 50, 100].map((size) =>
        el("option", { value: size, selected: size === pageSize }, `${size} per page`),
      ),
    );
    const pager = el("div", { class: "pager" }, status, perPage, previous, next);
    container.replaceChildren(table, pager);

    for (const column of columns) {
      const th = el("th", { scope: "col", class: column.className || "" });
      if (column.sort) {
        const button = el(
          "button",
          { type: "button", class: "cc-sort" },
          column.label,
          el("span", { class: "cc-sort-mark", "aria-hidden": "true" }),
        );
        button.addEventListener("click", () => {
          const current = state.sort[column.sort];
          state.sort = {
            [column.sort]: current === 1 ? -1 : current === -1 ? 1 : column.firstDirection || 1,
          };
          state.offset = 0;
          reload();
        });
        th.append(button);
        column.th = th;
      } else {
        th.append(column.label);
      }
      head.append(th);
    }

    function markSort() {
      for (const column of columns) {
        if (!column.th) continue;
        const direction = state.sort[column.sort];
        column.th.setAttribute(
          "aria-sort",
          direction === 1 ? "ascending" : direction === -1 ? "descending" : "none",
        );
        column.th.querySelector(".cc-sort-mark").textContent =
          direction === 1 ? "▲" : direction === -1 ? "▼" : "";
      }
    }

    function message(text, className) {
      body.replaceChildren(
        el("tr", { class: "cc-message-row" }, el("td", { colspan: columns.length, class: className }, text)),
      );
    }

    // `quiet`: a refresh the user did not ask for (a live update) neither dims the rows nor shows an
    // error in their place: the rows stay until new ones come (a failure is the caller's to report).
    async function reload({ resetOffset = false, quiet = false } = {}) {
      if (resetOffset) state.offset = 0;
      const request = ++state.request;
      markSort();
      if (!quiet) {
        table.setAttribute("aria-busy", "true");
        if (!body.children.length || body.querySelector(".cc-message-row")) message("Loading…", "loading");
        else body.classList.add("cc-stale");
      }
      try {
        const { items, total, capped } = await load({
          offset: state.offset,
          count: state.count,
          sort: state.sort,
        });
        if (request !== state.request) return;
        if (!items.length && state.offset > 0 && total > 0) {
          // The page emptied under the user (its last rows went): the one before it.
          state.offset = Math.max(0, Math.floor((total - 1) / state.count) * state.count);
          return reload({ quiet });
        }
        state.total = total;
        // A keyboard user's focus on a row survives the rows being replaced (a search answered late,
        // a refresh after an edit): it moves to the same row's link in the new rows.
        const focused = body.contains(document.activeElement)
          ? document.activeElement.closest("tr[data-id]")?.dataset.id
          : null;
        if (!items.length) message(emptyText(), "empty-state");
        else body.replaceChildren(...items.map(row));
        if (focused) body.querySelector(`tr[data-id="${CSS.escape(focused)}"] .cc-row-link`)?.focus();
        // Above 1,000 matches the server stops counting (totalCapped): "of 1,000+", and a next page
        // exists while pages come back full.
        const last = state.offset + items.length;
        const of = capped ? `${total.toLocaleString()}+` : total;
        status.textContent = total ? `${state.offset + 1}–${last} of ${of}` : "";
        previous.disabled = state.offset === 0;
        next.disabled = capped ? items.length < state.count : state.offset + state.count >= total;
      } catch (error) {
        if (request !== state.request) return;
        if (quiet) throw error;
        message(errorText(error), "alert alert-error");
        status.textContent = "";
      } finally {
        if (request === state.request) {
          table.removeAttribute("aria-busy");
          body.classList.remove("cc-stale");
        }
      }
    }

    function row(item) {
      const tr = el("tr", {
        dataset: { id: item._id },
        class: item._id === state.selected ? "cc-selected" : null,
      });
      columns.forEach((column, index) => {
        let content = column.render(item);
        if (index === 0 && rowHref) {
          const link = el("a", { href: rowHref(item), class: "cc-row-link" }, content);
          link.addEventListener("click", (event) => {
            if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
            event.preventDefault();
            onOpen(item, tr);
          });
          content = link;
        }
        // data-label: on a phone a row is a card, each field a line named by its column (CSS).
        const label = typeof column.label === "string" ? column.label : null;
        tr.append(
          el(
            index === 0 ? "th" : "td",
            { class: column.className || "", "data-label": label, ...(index === 0 ? { scope: "row" } : {}) },
            content,
          ),
        );
      });
      tr.addEventListener("click", (event) => {
        if (event.target.closest("a, button, input, select, label")) return;
        onOpen(item, tr);
      });
      return tr;
    }

    previous.addEventListener("click", () => {
      state.offset = Math.max(0, state.offset - state.count);
      reload();
    });
    next.addEventListener("click", () => {
      state.offset += state.count;
      reload();
    });
    perPage.addEventListener("change", () => {
      state.count = Number(perPage.value);
      state.offset = 0;
      reload();
    });

    return {
      reload,
      state,
      mark(id) {
        state.selected = id;
        for (const tr of body.querySelectorAll("tr"))
          tr.classList.toggle("cc-selected", tr.dataset.id === id);
      },
    };
  }

  // --- a conversation: messages of one chat, with search inside it ---------------------------------

  function systemNote(message, author) {
    const comment = message.msg ? `: ${message.msg}` : "";
    switch (message.t) {
      case "livechat-close":
        return `Chat closed by ${author}${comment}`;
      case "livechat-started":
        return "Chat started";
      case "omnichannel_placed_chat_on_hold":
        return `Chat placed on hold by ${author}`;
      case "omnichannel_on_hold_chat_resumed":
        return author === "system" ? "Chat resumed" : `Chat resumed by ${author}`;
      case "livechat_transfer_history": {
        const transfer = message.transferData || {};
        const to =
          transfer.transferredTo?.name ||
          transfer.transferredTo?.username ||
          (transfer.nextDepartment ? `department ${transfer.nextDepartment.name || ""}`.trim() : "the queue");
        return `Chat transferred by ${author} to ${to}${transfer.comment ? `: ${transfer.comment}` : ""}`;
      }
      case "livechat_navigation_history": {
        const page = message.navigation?.page || {};
        return `Visited ${page.title || page.location?.href || "a page"}`;
      }
      default:
        return `${String(message.t).replace(/[_-]/g, " ")}${comment}`;
    }
  }

  function conversationView(container, room, { onBack, backLabel = "Back" } = {}) {
    const search = el("input", {
      type: "search",
      "aria-label": "Search messages",
      placeholder: "Search in this conversation",
      autocomplete: "off",
    });
    const list = el("ol", {
      class: "cc-messages",
      "aria-label": `Messages with ${room.fname || "the contact"}`,
    });
    const more = el("button", { type: "button", class: "button small", hidden: true }, "Load more messages");
    const summary = el("p", { class: "muted cc-conversation-summary", "aria-live": "polite" });
    const back = onBack
      ? el("button", { type: "button", class: "button small" }, icon("back"), backLabel)
      : null;
    if (back) back.addEventListener("click", onBack);
    container.replaceChildren(
      el(
        "div",
        { class: "cc-conversation" },
        el("div", { class: "toolbar" }, back, el("label", { class: "grow" }, search)),
        summary,
        list,
        more,
      ),
    );
    const state = { offset: 0, total: 0, request: 0 };

    // The visitor's messages are those its id authored (messages carry no token).
    const byVisitor = (message) => ChatMessages.isFrom(message, room.v);

    function authorOf(message) {
      if (byVisitor(message)) return room.fname || message.u?.name || message.u?.username || "Visitor";
      return message.alias || message.u?.name || message.u?.username || "system";
    }

    function item(message) {
      const author = authorOf(message);
      if (message.t) {
        return el(
          "li",
          { class: "cc-note" },
          el("span", {}, systemNote(message, author)),
          " · ",
          when(message.ts),
        );
      }
      const fromVisitor = byVisitor(message);
      return el(
        "li",
        { class: `cc-message ${fromVisitor ? "from-visitor" : "from-agent"}` },
        el("div", { class: "cc-message-meta" }, el("strong", {}, author), " ", when(message.ts)),
        el("div", { class: "cc-message-text" }, message.msg),
      );
    }

    async function load({ append = false } = {}) {
      const request = ++state.request;
      if (!append) {
        state.offset = 0;
        list.replaceChildren(el("li", { class: "loading" }, "Loading messages…"));
      }
      more.hidden = true;
      try {
        const term = search.value.trim();
        const data = await api("GET", `livechat/${encodeURIComponent(room._id)}/messages`, {
          searchTerm: term,
          count: 100,
          offset: state.offset,
        });
        if (request !== state.request) return;
        if (!append) list.replaceChildren();
        list.append(...data.messages.map(item));
        state.offset += data.messages.length;
        state.total = data.total;
        more.hidden = state.offset >= data.total;
        summary.textContent = term
          ? `${plural(data.total, "message matches", "messages match")} “${term}”`
          : plural(data.total, "message", "messages");
        if (!data.total)
          list.replaceChildren(
            el(
              "li",
              { class: "empty-state" },
              term ? "No messages match your search." : "No messages in this conversation.",
            ),
          );
      } catch (error) {
        if (request !== state.request) return;
        list.replaceChildren(
          el(
            "li",
            { class: "alert alert-error" },
            error.response?.errorType === "error-unauthorized"
              ? "You cannot see this conversation: another agent served it."
              : errorText(error),
          ),
        );
        summary.textContent = "";
      }
    }

    search.addEventListener(
      "input",
      Omnidesk.debounce(() => load(), 300),
    );
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") event.preventDefault();
    });
    more.addEventListener("click", () => load({ append: true }));
    load();
    return { reload: load, search };
  }

  Object.assign(CC, { dataTable, conversationView });
})();
