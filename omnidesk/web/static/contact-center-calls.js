// Contact Center → Calls: the call log with search by name or phone; a call opens with its details,
// its wrap-up notes (editable by the agent who handled it or a manager) and the contact's previous call.
"use strict";

(() => {
  const { el, api, toast, formatDuration } = Omnidesk;
  const { config, can } = CC;
  const seesAll = can("view-livechat-rooms");
  const $ = (id) => document.getElementById(id);
  const filters = { text: "", direction: "", followUp: false };

  const STATES = {
    ringing: ["Ringing", "warn"],
    "in-progress": ["In progress", "ok"],
    "on-hold": ["On hold", "info"],
    completed: ["Answered", "ok"],
    "no-answer": ["Missed", "danger"],
    busy: ["Busy", "danger"],
    failed: ["Failed", "danger"],
    canceled: ["Canceled", "danger"],
    voicemail: ["Voicemail", "warn"],
  };
  const stateTag = (call) => {
    const [label, kind] = STATES[call.state] || [call.state, ""];
    return CC.tag(label, kind);
  };
  const direction = (call) => (call.direction === "outbound" ? "Outbound" : "Inbound");
  // The number as Contacts writes it (the server's phoneFormatted), not the E.164 form calls are kept in.
  const phoneOf = (call) => call.phoneFormatted || call.phone;
  const callerName = (call) => call.fname || call.callerName || phoneOf(call) || "Unknown caller";
  const dash = () => el("span", { class: "muted" }, "—");

  const table = CC.dataTable({
    container: $("calls-table"),
    caption: "Calls",
    sort: { ts: -1 },
    columns: [
      {
        label: "Contact",
        sort: "fname",
        render: (call) => el("span", { class: "cc-name" }, callerName(call)),
      },
      { label: "Phone", sort: "phone", render: (call) => phoneOf(call) || dash() },
      { label: "Queue", sort: "queue", render: (call) => call.queue || dash() },
      { label: "Agent", sort: "servedBy.username", render: (call) => call.servedBy?.username || dash() },
      { label: "Started", sort: "ts", firstDirection: -1, render: (call) => CC.shortWhen(call.ts) },
      {
        label: "Talk time",
        sort: "callDuration",
        firstDirection: -1,
        render: (call) => (call.durations.talk != null ? formatDuration(call.durations.talk) : dash()),
      },
      { label: "Direction", sort: "direction", render: (call) => direction(call) },
      { label: "State", sort: "state", render: stateTag },
    ],
    load: async ({ offset, count, sort }) => {
      const params = { searchText: filters.text.trim(), direction: filters.direction, offset, count, sort };
      if (!seesAll) params.agents = [config.userId]; // the API insists: agents list only their own calls
      if (filters.followUp) params.followUp = true;
      const data = await api("GET", "omnichannel/calls", params);
      return { items: data.calls, total: data.total };
    },
    rowHref: (call) => `/contact-center/calls/${encodeURIComponent(call._id)}`,
    onOpen: (call) => openCall(call._id),
    emptyText: () =>
      filters.text.trim() || filters.direction || filters.followUp
        ? "No calls match your search."
        : "No calls yet.",
  });

  const reload = () => table.reload({ resetOffset: true });
  $("calls-search").addEventListener(
    "input",
    Omnidesk.debounce((event) => {
      filters.text = event.target.value;
      reload();
    }, 300),
  );
  $("calls-direction").addEventListener("change", (event) => {
    filters.direction = event.target.value;
    reload();
  });
  $("calls-follow-up").addEventListener("change", (event) => {
    filters.followUp = event.target.checked;
    reload();
  });

  // --- one call ------------------------------------------------------------------------------------

  let current = null;

  async function openCall(callId) {
    CC.setDetail(callId);
    table.mark(callId);
    const body = CC.drawer.open("Call", {
      closed: () => {
        CC.setDetail(null);
        table.mark(null);
        current = null;
      },
    });
    try {
      current = (await api("GET", "omnichannel/calls.get", { callId })).call;
      renderCall();
    } catch (error) {
      body.replaceChildren(
        el(
          "p",
          { class: "alert alert-error" },
          error.response?.errorType === "error-unauthorized"
            ? "You cannot see this call: another agent handled it."
            : `This call could not be opened: ${CC.errorText(error)}`,
        ),
      );
    }
  }

  const canWrapUp = (call) =>
    can("inbound-voip-calls") && (call.servedBy?._id === config.userId || can("manage-others-voice-calls"));

  function renderCall() {
    const call = current;
    CC.drawer.setTitle(`Call with ${callerName(call)}`);
    const contact = call.contactId
      ? el("a", { href: `/contact-center/contacts/${encodeURIComponent(call.contactId)}` }, callerName(call))
      : callerName(call);
    const previous = call.previousCall
      ? el(
          "span",
          {},
          CC.when(call.previousCall.ts),
          " · ",
          el(
            "a",
            {
              href: `/contact-center/calls/${encodeURIComponent(call.previousCall._id)}`,
              "data-previous": "",
            },
            "open",
          ),
        )
      : el("span", { class: "muted" }, "No earlier call");
    const previousLink = previous.querySelector?.("a[data-previous]");
    if (previousLink)
      previousLink.addEventListener("click", (event) => {
        event.preventDefault();
        openCall(call.previousCall._id);
      });
    const wrap = call.wrapUp || {};
    const notes = el(
      "section",
      { class: "cc-wrapup", "aria-labelledby": "wrapup-heading" },
      el("h3", { id: "wrapup-heading" }, "Wrap-up notes"),
    );
    if (wrap.notes) {
      notes.append(
        el("p", { class: "cc-wrapup-notes" }, wrap.notes),
        el(
          "p",
          { class: "muted" },
          wrap.completedBy ? `By ${wrap.completedBy.username}` : "",
          wrap.completedAt ? " · " : "",
          CC.when(wrap.completedAt),
          wrap.edited ? " · edited" : "",
        ),
      );
    } else {
      notes.append(el("p", { class: "muted" }, "No wrap-up notes yet."));
    }
    if (canWrapUp(call)) {
      const edit = el(
        "button",
        { type: "button", class: "button" },
        CC.icon("edit"),
        wrap.notes ? "Edit notes" : "Add notes",
      );
      edit.addEventListener("click", renderWrapUpForm);
      notes.append(edit);
    }
    CC.drawer.body.replaceChildren(
      el(
        "div",
        { class: "cc-summary" },
        el("p", { class: "cc-summary-name" }, callerName(call)),
        el(
          "p",
          { class: "row cc-summary-tags" },
          stateTag(call),
          CC.tag(direction(call), "info"),
          call.followUp ? CC.tag("Needs follow-up", "warn") : null,
        ),
      ),
      CC.details([
        ["Contact", contact],
        ["Phone", phoneOf(call)],
        ["Queue", call.queue],
        ["Agent", call.servedBy?.username],
        ["Started", CC.when(call.ts)],
        ["Answered", CC.when(call.answeredAt)],
        ["Ended", CC.when(call.endedAt)],
        ["Waiting time", call.durations.waiting != null ? formatDuration(call.durations.waiting) : ""],
        ["Talk time", call.durations.talk != null ? formatDuration(call.durations.talk) : ""],
        ["Hold time", call.durations.hold ? formatDuration(call.durations.hold) : ""],
        ["Tags", call.tags?.length ? el("span", {}, ...call.tags.map((name) => CC.tag(name, "info"))) : ""],
        ["Recording", call.recording?.url ? Omnidesk.externalLink(call.recording.url, "Listen") : ""],
        ["Previous call", previous],
      ]),
      notes,
    );
  }

  async function renderWrapUpForm() {
    const call = current;
    const tags = await CC.lookups.tags().catch(() => []);
    const text = el("textarea", { name: "notes", rows: 6 }, call.wrapUp?.notes || "");
    const tagInput = CC.tagPicker({
      label: "Tags",
      values: call.tags || [],
      suggestions: tags.map((item) => item.name),
      strict: true,
    });
    const alert = el("p", { class: "alert alert-error", role: "alert", hidden: true });
    const cancel = el("button", { type: "button", class: "button" }, "Cancel");
    const save = el("button", { type: "submit", class: "button primary" }, "Save notes");
    const form = el(
      "form",
      { class: "stack cc-wrapup", novalidate: true },
      el("h3", {}, "Wrap-up notes"),
      alert,
      el("label", {}, "Notes", text),
      tagInput.node,
      el("div", { class: "row" }, cancel, save),
    );
    CC.drawer.body.querySelector(".cc-wrapup").replaceWith(form);
    text.focus();
    cancel.addEventListener("click", renderCall);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      alert.hidden = true;
      save.disabled = true;
      try {
        current = (
          await api("POST", "omnichannel/calls.wrapup", {
            callId: call._id,
            notes: text.value,
            tags: tagInput.values(),
          })
        ).call;
        toast("Wrap-up notes saved");
        renderCall();
        table.reload();
      } catch (error) {
        alert.textContent = CC.errorText(error);
        alert.hidden = false;
      } finally {
        save.disabled = false;
      }
    });
  }

  // A change to a call this user may see (the server decides): the rows are fetched again, the
  // filters, page, sort, selection and an open side panel staying as they are.
  LiveUpdates.watch(
    (notice) => notice.type === "call",
    () => table.reload({ quiet: true }),
  );

  CC.onRoute((id) => {
    if (id) openCall(id);
    else {
      CC.drawer.close({ silent: true });
      table.mark(null);
      current = null;
    }
  });
  table.reload();
  if (config.openId) openCall(config.openId);
})();
