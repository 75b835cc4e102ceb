// The live view's start: the DDP connection (logged in with the session cookie) and the user's streams,
// availability, the back button and history, and the first loads.
"use strict";

(() => {
  const { api, toast } = Omnidesk;
  const { $, me, state, visitorName } = Live;
  const { loadQueue, scheduleMine, loadMine, renderMine, showList, selectRoom, refreshRoom, markLeft } = Live;

  // --- realtime ----------------------------------------------------------------------------------------

  const connection = $("connection");
  let loginError = "";
  const ddp = new DDP.Client({
    onConnect: async () => {
      try {
        await ddp.call("login", { cookie: true });
        loginError = "";
      } catch (error) {
        loginError = `Live updates are off (${error.message}). Reload the page to try again.`;
      }
    },
    onStatus: (status) => {
      const up = status === "connected" || status === "reconnected";
      const text = status === "reconnecting" ? "Connection lost. Reconnecting…" : up ? loginError : "";
      connection.textContent = text;
      connection.hidden = !text;
      if (status === "reconnected") refreshAll();
    },
  });
  Live.ddp = ddp;
  ddp.subscribe(
    "stream-notify-user",
    [`${me.id}/rooms-changed`, { useCollection: false, args: [] }],
    ([action, room]) => {
      scheduleMine();
      const news = action === "inserted" && room && !state.taking.delete(room._id) && room._id !== state.rid;
      if (news) toast(`New chat: ${visitorName(room)}`);
      if (room && room._id === state.rid) {
        if (action === "removed" && !state.room?.closedAt) markLeft();
        else refreshRoom();
      }
    },
  );
  ddp.subscribe(
    "stream-notify-user",
    [`${me.id}/notification`, { useCollection: false, args: [] }],
    ([notification]) => {
      loadQueue();
      if (notification) toast(`New chat waiting: ${notification.title}`);
    },
    null,
    () => {
      document.body.dataset.liveNotifications = "on"; // the queue's news reach the page from now on
    },
  );
  ddp.subscribe(
    "stream-room-messages",
    ["__my_messages__", { useCollection: false, args: [] }],
    ([message]) => {
      if (!message || message.rid === state.rid) return;
      if (!message.t && (!message.u || message.u._id !== me.id)) {
        state.unread.add(message.rid);
        renderMine();
      }
      scheduleMine();
    },
  );

  // --- availability, navigation, start ---------------------------------------------------------------------

  const availability = $("availability");
  function showAvailability(on) {
    availability.setAttribute("aria-pressed", String(on));
    availability.classList.toggle("on", on);
    availability.classList.toggle("off", !on);
    availability.querySelector(".availability-label").textContent = on ? "Available" : "Not available";
  }
  if (availability) {
    availability.addEventListener("click", async () => {
      const next = availability.getAttribute("aria-pressed") === "true" ? "not-available" : "available";
      try {
        const data = await api("POST", "livechat/agent.status", { status: next });
        showAvailability(data.status === "available");
        if (data.status === "available") loadQueue();
      } catch (error) {
        toast(error.message, "error");
      }
    });
    // Switched elsewhere (another tab, a manager, the agent's role taken away): the user's own record.
    ddp.subscribe(
      "stream-notify-user",
      [`${me.id}/userData`, { useCollection: false, args: [] }],
      ([data]) => {
        const status = data?.diff?.statusLivechat;
        if (!status) return;
        showAvailability(status === "available");
        if (status === "available") loadQueue();
      },
    );
  }

  $("back").addEventListener("click", () => {
    history.pushState({ rid: "" }, "", "/live");
    showList();
  });
  window.addEventListener("popstate", () => {
    const match = location.pathname.match(/^\/live\/(.+)$/);
    if (match) selectRoom(decodeURIComponent(match[1]));
    else showList();
  });

  function refreshAll() {
    loadQueue();
    loadMine();
    if (state.rid) selectRoom(state.rid);
  }

  // Taken-by-someone-else has no event of its own: the queue also refreshes now and then.
  setInterval(() => {
    if (document.visibilityState === "visible") loadQueue();
  }, 15000);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") loadQueue();
  });

  loadQueue();
  loadMine();
  if (state.rid) selectRoom(state.rid);
})();
