// The live view's lists: the queue (waiting chats, taken from here) and my open chats, newest first.
"use strict";

(() => {
  const { api, el, toast } = Omnidesk;
  const { toDate } = ChatMessages;
  const { $, me, flags, state, sourceLabel, visitorName, waitedFor } = Live;

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
                Live.selectRoom(inquiry.rid, { push: true });
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
    state.taking.add(inquiry.rid);
    try {
      await api("POST", "livechat/inquiries.take", { inquiryId: inquiry._id });
    } catch (error) {
      state.taking.delete(inquiry.rid);
      toast(error.message, "error");
      loadQueue();
      if (state.rid !== inquiry.rid) Live.selectRoom(inquiry.rid, { push: true });
      return;
    }
    await Promise.all([loadQueue(), loadMine()]);
    await Live.selectRoom(inquiry.rid, { push: state.rid !== inquiry.rid });
    if (!$("composer").hidden) $("composer-text").focus(); // ready to answer
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
      Live.refreshRoom();
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
                Live.selectRoom(room._id, { push: true });
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

  Object.assign(Live, { loadQueue, renderQueue, scheduleMine, loadMine, renderMine });
})();
