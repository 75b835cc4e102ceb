// Live updates for the staff pages that list chats, calls and contacts (the Contact Center, the
// dashboard). One DDP connection, logged in with the session cookie, listens to Omnidesk's
// `omnidesk.contact-center-changed` on stream-notify-logged (docs/api.md): the server tells each user
// only of the items it may see, and the notice carries no data, so a page refetches what it shows.
//
//   LiveUpdates.watch((notice) => notice.type === "room", (notices) => table.reload());
//
// A page's refresh runs once per burst of changes: after a quiet moment, at most every few seconds
// while changes keep coming, never while the tab is hidden (once when it shows again) nor while the
// user is busy with a dialog or an open menu, and once after a reconnection, since changes made while
// the connection was down were never heard. `document.body.dataset.liveUpdates` is "on" while the
// server listens for this page, "off" otherwise.
"use strict";

// biome-ignore lint/correctness/noUnusedVariables: the global the Contact Center and dashboard use
const LiveUpdates = (() => {
  const EVENT = "omnidesk.contact-center-changed";
  const QUIET_MS = 700; // no change for this long: refresh
  const MAX_WAIT_MS = 3000; // a steady flow of changes still refreshes this often
  const watchers = [];
  let ddp = null;

  // Rows re-rendered under an open dialog or menu would lose what the user was doing.
  function userIsBusy() {
    return Boolean(document.querySelector('dialog[open], [aria-haspopup="menu"][aria-expanded="true"]'));
  }

  function setState(state) {
    document.body.dataset.liveUpdates = state;
  }

  function connect() {
    setState("off");
    ddp = new DDP.Client({
      onConnect: async () => {
        try {
          await ddp.call("login", { cookie: true });
        } catch (error) {
          console.warn("live updates: could not log in", error);
        }
      },
      onStatus: (status) => {
        if (status !== "connected" && status !== "reconnected") setState("off");
        if (status === "reconnected") for (const watcher of watchers) watcher.schedule(null);
      },
    });
    ddp.subscribe(
      "stream-notify-logged",
      [EVENT, { useCollection: false, args: [] }],
      ([notice]) => {
        if (!notice) return;
        for (const watcher of watchers) if (watcher.wants(notice)) watcher.schedule(notice);
      },
      () => setState("off"),
      () => setState("on"),
    );
  }

  // Call `refresh(notices)` after changes `wants(notice)` accepts; `notices` are those of the burst
  // (empty after a reconnection: anything may have changed).
  function watch(wants, refresh) {
    let timer = null;
    let burstStart = 0;
    let notices = [];
    let running = false;
    let rerun = false;
    let waitingToShow = false;

    function schedule(notice) {
      if (notice) notices.push(notice);
      const now = Date.now();
      if (!burstStart) burstStart = now;
      clearTimeout(timer);
      timer = setTimeout(fire, Math.max(0, Math.min(QUIET_MS, burstStart + MAX_WAIT_MS - now)));
    }

    async function fire() {
      timer = null;
      if (document.hidden) {
        waitingToShow = true;
        return;
      }
      if (userIsBusy()) {
        timer = setTimeout(fire, QUIET_MS);
        return;
      }
      if (running) {
        rerun = true;
        return;
      }
      const burst = notices;
      notices = [];
      burstStart = 0;
      running = true;
      try {
        await refresh(burst);
      } catch (error) {
        console.warn("live updates: refresh failed", error);
      } finally {
        running = false;
      }
      if (rerun) {
        rerun = false;
        schedule(null);
      }
    }

    document.addEventListener("visibilitychange", () => {
      if (!document.hidden && waitingToShow) {
        waitingToShow = false;
        schedule(null);
      }
    });
    watchers.push({ wants, schedule });
    if (!ddp) connect();
  }

  return { watch };
})();
