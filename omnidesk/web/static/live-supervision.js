// The live view for supervisors (who hold view-livechat-rooms): every open chat, whoever serves it,
// filtered by agent, department and state, waiting longest first; and, in a chat someone else serves,
// "Join" (write beside its agent: livechat/room.join) and "Take over" (forward it to oneself).
// A chat opened from here is read-only until joined: its messages stream in as in one's own chats.
"use strict";

(() => {
  const { api, el, toast } = Omnidesk;
  const { toDate } = ChatMessages;
  const { $, me, flags, state, sourceLabel, visitorName, waitedFor } = Live;
  const STATE_LABELS = { queued: "Queued", served: "Served", onhold: "On hold" };
  const all = { rooms: null, loading: false };

  function stateOf(room) {
    if (room.onHold) return "onhold";
    return room.servedBy ? "served" : "queued";
  }

  // Since when the visitor waits: in the queue since it entered; served, since the visitor's last
  // message while it has no answer; on hold or answered, not waiting.
  function waitingSince(room) {
    const kind = stateOf(room);
    if (kind === "queued") return toDate(room.queuedAt || room.ts);
    if (kind === "served" && room.waitingResponse) return toDate(room.lm || room.ts);
    return null;
  }

  async function loadAll() {
    const list = $("all-chats");
    if (!list || all.loading) return;
    all.loading = true;
    const wanted = $("all-state").value;
    const filters = {
      agents: $("all-agent").value ? [$("all-agent").value] : undefined,
      departmentId: $("all-department").value || undefined,
      count: 100,
      sort: JSON.stringify({ queuedAt: 1 }),
    };
    const states = { served: { open: true }, onhold: { onhold: true }, queued: { queued: true } };
    try {
      const kinds = wanted ? [wanted] : Object.keys(states);
      // A queued chat has no agent: filtered by agent, the queue is empty.
      const asked = kinds.filter((kind) => !(kind === "queued" && filters.agents));
      const pages = await Promise.all(
        asked.map((kind) => api("GET", "livechat/rooms", { ...filters, ...states[kind] })),
      );
      const byId = new Map(pages.flatMap((page) => page.rooms).map((room) => [room._id, room]));
      all.rooms = [...byId.values()].sort((a, b) => {
        const [since, other] = [waitingSince(a), waitingSince(b)];
        if (since && other) return since - other;
        if (since || other) return since ? -1 : 1;
        return (toDate(a.queuedAt || a.ts) || 0) - (toDate(b.queuedAt || b.ts) || 0);
      });
    } catch (error) {
      list.replaceChildren(el("li", { class: "empty" }, `Could not load the open chats: ${error.message}`));
      return;
    } finally {
      all.loading = false;
      list.setAttribute("aria-busy", "false");
    }
    renderAll();
  }

  function renderAll() {
    const list = $("all-chats");
    if (!list || !all.rooms) return;
    $("all-count").textContent = all.rooms.length ? `(${all.rooms.length})` : "";
    if (!all.rooms.length) {
      list.replaceChildren(el("li", { class: "empty" }, "No open chats match."));
      return;
    }
    list.replaceChildren(
      ...all.rooms.map((room) => {
        const kind = stateOf(room);
        const since = waitingSince(room);
        const who = room.servedBy ? room.servedBy.username : "nobody yet";
        const department = room.department?.name;
        return el(
          "li",
          { class: `chat-item supervised${room._id === state.rid ? " current" : ""}`, "data-rid": room._id },
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
            el("span", { class: "chat-name" }, visitorName(room)),
            el(
              "span",
              { class: "chat-meta" },
              [sourceLabel(room.source), `agent: ${who}`, department].filter(Boolean).join(" · "),
            ),
            el(
              "span",
              { class: "chat-meta" },
              el("span", { class: `tag${kind === "served" ? "" : " warn"}` }, STATE_LABELS[kind]),
              since ? ` waiting ${waitedFor(since)}` : "",
            ),
          ),
        );
      }),
    );
  }

  async function loadFilters() {
    const [agents, departments] = await Promise.all([
      api("GET", "livechat/users/agent", { count: 100 }).catch(() => ({ users: [] })),
      api("GET", "livechat/department", { count: 100 }).catch(() => ({ departments: [] })),
    ]);
    for (const agent of agents.users || []) {
      $("all-agent").append(el("option", { value: agent._id }, agent.name || agent.username));
    }
    for (const department of departments.departments || []) {
      $("all-department").append(el("option", { value: department._id }, department.name));
    }
  }

  // --- a chat someone else serves: join it or take it over ------------------------------------------------

  function showSupervision(room) {
    const join = $("join-open");
    const takeOver = $("take-over-open");
    const othersOpenChat = flags.supervise && room.open && room.servedBy && room.servedBy._id !== me.id;
    join.hidden = !othersOpenChat || state.joined.has(room._id);
    takeOver.hidden = !othersOpenChat || !flags.agent || !flags.transfer || room.onHold;
    if (all.rooms) renderAll(); // the current chat's mark
  }

  function markJoined(rid) {
    if (state.joined.has(rid)) return;
    state.joined.add(rid);
    if (state.room && state.room._id === rid) Live.showRoom(state.room);
  }

  $("join-open").addEventListener("click", async () => {
    const rid = state.rid;
    try {
      await api("POST", `livechat/room.join?roomId=${encodeURIComponent(rid)}`, {});
    } catch (error) {
      toast(`Could not join: ${error.message}`, "error");
      return;
    }
    markJoined(rid);
    if (state.rid === rid && !$("composer").hidden) $("composer-text").focus();
  });

  $("take-over-open").addEventListener("click", async () => {
    const rid = state.rid;
    try {
      await api("POST", "livechat/room.forward", { roomId: rid, userId: me.id });
    } catch (error) {
      toast(`Could not take over: ${error.message}`, "error");
      return;
    }
    toast("The chat is yours now.");
    await Promise.all([Live.loadMine(), loadAll()]);
    if (state.rid === rid) await Live.refreshRoom();
  });

  Object.assign(Live, { showSupervision, markJoined, loadAll });

  if (!flags.supervise || !$("all-chats")) return;
  for (const id of ["all-agent", "all-department", "all-state"]) $(id).addEventListener("change", loadAll);
  // Any chat's change the server lets this user see (opened, served, held, transferred, closed).
  LiveUpdates.watch((notice) => notice.type === "room", loadAll);
  // Waiting times grow and visitors write without a room change: the list is read again now and then.
  setInterval(() => {
    if (document.visibilityState === "visible") loadAll();
  }, 15000);
  loadFilters();
  loadAll();
})();
