// The dashboard keeps itself current: when a chat or call changes (live-updates.js), it fetches its own
// page again and swaps in the new figures and charts, the period, the scroll, the open "Show the
// numbers" panels and the focus staying where they were. The server draws the charts; the page is
// its own HTML, never user input.
"use strict";

(() => {
  const REGION = "dashboard-live";
  const FOCUSABLE = "a, summary, button";

  async function refresh() {
    const region = document.getElementById(REGION);
    const response = await fetch(window.location.href, { headers: { Accept: "text/html" } });
    if (!response.ok) throw new Error(`the dashboard answered ${response.status}`);
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.getElementById(REGION);
    if (!region || !fresh) return; // signed out meanwhile: the next navigation shows the sign-in page
    const opened = [...region.querySelectorAll("details")].map((details) => details.open);
    const focusables = [...region.querySelectorAll(FOCUSABLE)];
    const focused = focusables.indexOf(document.activeElement);
    region.replaceChildren(...[...fresh.childNodes].map((node) => document.adoptNode(node)));
    region.querySelectorAll("details").forEach((details, index) => {
      if (opened[index]) details.open = true;
    });
    if (focused >= 0) region.querySelectorAll(FOCUSABLE)[focused]?.focus();
  }

  LiveUpdates.watch((notice) => notice.type === "room" || notice.type === "call", refresh);
})();
