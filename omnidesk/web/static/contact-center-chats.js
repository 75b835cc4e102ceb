// Contact Center → Chats: every chat the user may see, with search, filters, sorting and paging; a row
// opens the chat's information (editable), its conversation and, once closed, its quick actions.
"use strict";

(() => {
  const { el, api, toast } = Omnidesk;
  const { config, can } = CC;
  const seesAll = can("view-livechat-rooms");
  const filters = {
    text: "",
    from: "",
    to: "",
    agent: "",
    status: "all",
    department: "",
    tags: [],
    custom: {},
  };

  const $ = (id) => document.getElementById(id);
  const contactName = (room) => room.fname || room.v?.name || room.v?.username || "Unknown contact";

  // --- the listing ---------------------------------------------------------------------------------

  function listParams() {
    const params = { roomName: filters.text.trim() };
    if (!seesAll)
      params.agents = [config.userId]; // the API insists: agents list only their own chats
    else if (filters.agent) params.agents = [filters.agent];
    if (filters.department) params.departmentId = [filters.department];
    if (filters.tags.length) params.tags = filters.tags;
    if (filters.status === "opened") params.open = true;
    if (filters.status === "onhold") Object.assign(params, { open: true, onhold: true });
    if (filters.status === "queued") Object.assign(params, { open: true, queued: true });
    if (filters.status === "closed") params.open = false;
    if (filters.from || filters.to) {
      params.createdAt = {
        start: filters.from ? new Date(`${filters.from}T00:00:00`).toISOString() : undefined,
        end: filters.to ? new Date(`${filters.to}T23:59:59.999`).toISOString() : undefined,
      };
    }
    const custom = Object.fromEntries(Object.entries(filters.custom).filter(([, value]) => value.trim()));
    if (Object.keys(custom).length) params.customFields = custom;
    return params;
  }

  function activeFilterCount() {
    return [
      filters.from,
      filters.to,
      filters.agent,
      filters.status !== "all",
      filters.department,
      filters.tags.length,
      Object.values(filters.custom).some((value) => value.trim()),
    ].filter(Boolean).length;
  }

  function removeButton(room) {
    const button = el(
      "button",
      {
        type: "button",
        class: "button small danger cc-icon-button",
        "aria-label": `Remove chat with ${contactName(room)}`,
        title: "Remove",
      },
      CC.icon("trash"),
    );
    button.addEventListener("click", () => removeChat(room));
    return button;
  }

  // An open chat's SLA: the time left for its first answer, or overdue (marked by the server, or
  // past due now).
  function slaCell(room) {
    if (!room.slaId) return el("span", { class: "muted" }, "—");
    if (room.slaOverdueAt) return CC.tag("Overdue", "danger");
    if (!room.open || !room.slaDueAt) return el("span", { class: "muted" }, "Set");
    const left = Math.round((Date.parse(room.slaDueAt) - Date.now()) / 60000);
    if (left <= 0) return CC.tag("Overdue", "danger");
    const text = left >= 60 ? `${Math.floor(left / 60)} h ${left % 60} min left` : `${left} min left`;
    return CC.tag(text, left <= 5 ? "warn" : "info");
  }

  const table = CC.dataTable({
    container: $("chats-table"),
    caption: "Chats",
    sort: { ts: -1 },
    columns: [
      {
        label: "Contact",
        sort: "fname",
        render: (room) =>
          el(
            "span",
            { class: "cc-contact-cell" },
            el("span", { class: "cc-name" }, contactName(room)),
            room.tags?.length
              ? el("span", { class: "cc-tags" }, ...room.tags.map((name) => CC.tag(name)))
              : null,
          ),
      },
      { label: "Channel", sort: "source.type", render: (room) => CC.channelCell(room.source) },
      {
        label: "Agent",
        sort: "servedBy.username",
        render: (room) => room.servedBy?.username || el("span", { class: "muted" }, "—"),
      },
      { label: "Verification", sort: "verified", render: (room) => CC.verificationTag(room.verified) },
      {
        label: "Department",
        sort: "departmentId",
        render: (room) => room.department?.name || el("span", { class: "muted" }, "—"),
      },
      { label: "Started", sort: "ts", firstDirection: -1, render: (room) => CC.shortWhen(room.ts) },
      { label: "Last message", sort: "lm", firstDirection: -1, render: (room) => CC.shortWhen(room.lm) },
      {
        label: "Status",
        sort: "open",
        render: (room) => {
          const status = CC.statusOf(room);
          return CC.tag(status.label, status.kind);
        },
      },
      { label: "SLA", render: slaCell },
      ...(can("remove-closed-livechat-room")
        ? [
            {
              label: el("span", { class: "visually-hidden" }, "Quick actions"),
              render: (room) => (room.open ? "" : removeButton(room)),
            },
          ]
        : []),
    ],
    load: async ({ offset, count, sort }) => {
      const data = await api("GET", "livechat/rooms", { ...listParams(), offset, count, sort });
      return { items: data.rooms, total: data.total, capped: Boolean(data.totalCapped) };
    },
    rowHref: (room) => `/contact-center/chats/${encodeURIComponent(room._id)}`,
    onOpen: (room) => openChat(room._id),
    emptyText: () =>
      filters.text || activeFilterCount() ? "No chats match your search and filters." : "No chats yet.",
  });

  // --- search and filters --------------------------------------------------------------------------

  const reload = () => {
    const active = activeFilterCount();
    $("chats-filter-count").hidden = !active;
    $("chats-filter-count").textContent = active ? String(active) : "";
    table.reload({ resetOffset: true });
  };
  const reloadSoon = Omnidesk.debounce(reload, 300);

  $("chats-search").addEventListener("input", (event) => {
    filters.text = event.target.value;
    reloadSoon();
  });
  $("chats-filters-toggle").addEventListener("click", (event) => {
    const panel = $("chats-filters");
    panel.hidden = !panel.hidden;
    event.currentTarget.setAttribute("aria-expanded", String(!panel.hidden));
    if (!panel.hidden) panel.querySelector("input, select").focus();
  });
  $("chats-filters").addEventListener("submit", (event) => event.preventDefault());
  for (const [id, key] of [
    ["filter-from", "from"],
    ["filter-to", "to"],
    ["filter-agent", "agent"],
    ["filter-status", "status"],
    ["filter-department", "department"],
  ]) {
    $(id).addEventListener("change", (event) => {
      filters[key] = event.target.value;
      reload();
    });
  }
  const today = new Date();
  const twoDigits = (number) => String(number).padStart(2, "0");
  const todayText = `${today.getFullYear()}-${twoDigits(today.getMonth() + 1)}-${twoDigits(today.getDate())}`;
  $("filter-from").max = todayText;
  $("filter-to").max = todayText;

  const tagFilter = CC.tagPicker({
    label: "Tags",
    onChange: (values) => {
      filters.tags = values;
      reload();
    },
  });
  $("filter-tags").replaceWith(tagFilter.node);

  $("filters-clear").addEventListener("click", () => {
    Object.assign(filters, {
      from: "",
      to: "",
      agent: "",
      status: "all",
      department: "",
      tags: [],
      custom: {},
    });
    for (const id of ["filter-from", "filter-to", "filter-agent", "filter-department"]) $(id).value = "";
    $("filter-status").value = "all";
    for (const input of $("filter-custom-fields").querySelectorAll("input, select")) input.value = "";
    tagFilter.set([]);
    reload();
  });

  async function fillFilterOptions() {
    if (seesAll) {
      $("filter-agent-wrap").hidden = false;
      CC.lookups
        .agents()
        .then((agents) => {
          $("filter-agent").append(
            ...agents.map((agent) =>
              el(
                "option",
                { value: agent._id },
                agent.name ? `${agent.name} (@${agent.username})` : agent.username,
              ),
            ),
          );
        })
        .catch(CC.fail);
    }
    CC.lookups
      .departments()
      .then((departments) => {
        $("filter-department").append(
          ...departments.map((department) => el("option", { value: department._id }, department.name)),
        );
      })
      .catch(CC.fail);
    CC.lookups
      .tags()
      .then((tags) => tagFilter.setSuggestions(tags.map((item) => item.name)))
      .catch(CC.fail);
    if (can("view-livechat-room-customfields")) {
      const fields = (await CC.lookups.customFields()).filter((field) => field.scope === "room");
      const fieldset = $("filter-custom-fields");
      fieldset.hidden = !fields.length;
      for (const field of fields) {
        const input = customFieldInput(field, "", { filter: true });
        input.addEventListener(input.tagName === "SELECT" ? "change" : "input", () => {
          filters.custom[field._id] = input.value;
          input.tagName === "SELECT" ? reload() : reloadSoon();
        });
        fieldset.append(el("label", {}, field.label || field._id, input));
      }
    }
  }

  function customFieldInput(field, value, { filter = false } = {}) {
    const options = String(field.options || "")
      .split(",")
      .map((option) => option.trim())
      .filter(Boolean);
    if (field.type === "select" && options.length) {
      const select = el(
        "select",
        { name: field._id },
        el("option", { value: "" }, filter ? "Any" : "—"),
        ...options.map((option) => el("option", { value: option, selected: option === value }, option)),
      );
      return select;
    }
    return el("input", {
      name: field._id,
      value: value || "",
      required: !filter && field.required,
      autocomplete: "off",
    });
  }

  // --- one chat ------------------------------------------------------------------------------------

  let current = null;

  async function openChat(rid) {
    CC.setDetail(rid);
    table.mark(rid);
    const body = CC.drawer.open("Chat information", {
      closed: () => {
        CC.setDetail(null);
        table.mark(null);
        current = null;
      },
    });
    try {
      const { room } = await api("GET", "livechat/room.info", { roomId: rid });
      const contact = room.contactId
        ? await api("GET", "omnichannel/contacts.get", { contactId: room.contactId })
            .then((data) => data.contact)
            .catch(() => null)
        : null;
      current = { room, contact };
      renderInfo();
    } catch (error) {
      body.replaceChildren(
        el(
          "p",
          { class: "alert alert-error" },
          error.response?.errorType === "error-unauthorized"
            ? "You cannot see this chat."
            : `This chat could not be opened: ${CC.errorText(error)}`,
        ),
      );
    }
  }

  function canEdit(room) {
    return room.servedBy?._id === config.userId || can("save-others-livechat-room-info");
  }

  async function renderInfo() {
    const { room, contact } = current;
    const body = CC.drawer.body;
    CC.drawer.setTitle("Chat information");
    const status = CC.statusOf(room);
    const [priorities, fields, slas] = await Promise.all([
      CC.lookups.priorities().catch(() => []),
      can("view-livechat-room-customfields") ? CC.lookups.customFields().catch(() => []) : [],
      CC.lookups.slas().catch(() => []),
    ]);
    const priority = priorities.find((item) => item._id === room.priorityId);
    const sla = slas.find((item) => item._id === room.slaId);
    const roomFields = fields.filter((field) => field.scope === "room");

    const actions = el("div", { class: "cc-actions" });
    const openButton = el("button", { type: "button", class: "button primary" }, "Open chat");
    openButton.addEventListener("click", renderConversation);
    actions.append(openButton);
    if (room.open) {
      // An open chat is answered, watched or joined in the live view.
      const live = { class: "button", href: `/live/${encodeURIComponent(room._id)}` };
      actions.append(el("a", live, "Open live chat"));
    }
    if (canEdit(room)) {
      const edit = el("button", { type: "button", class: "button" }, CC.icon("edit"), "Edit");
      edit.addEventListener("click", renderEdit);
      actions.append(edit);
    }
    if (!room.open) {
      if (can("send-omnichannel-chat-transcript")) {
        const send = el("button", { type: "button", class: "button" }, CC.icon("send"), "Send transcript");
        send.addEventListener("click", sendTranscript);
        actions.append(send);
      }
      if (can("request-pdf-transcript")) {
        actions.append(
          el(
            "a",
            {
              class: "button",
              href: `/api/v1/omnichannel/${encodeURIComponent(room._id)}/transcript.pdf`,
              download: `transcript-${room._id}.pdf`,
            },
            CC.icon("download"),
            "Download PDF",
          ),
        );
      }
      if (can("remove-closed-livechat-room")) {
        const remove = el("button", { type: "button", class: "button danger" }, CC.icon("trash"), "Remove");
        remove.addEventListener("click", () => removeChat(room));
        actions.append(remove);
      }
    }

    const contactLink = room.contactId
      ? el("a", { href: `/contact-center/contacts/${encodeURIComponent(room.contactId)}` }, contactName(room))
      : contactName(room);
    const customPairs = roomFields.map((field) => [
      field.label || field._id,
      room.livechatData?.[field._id] || "",
    ]);
    const legacy = Object.entries(room.livechatData || {}).filter(
      ([key]) => !roomFields.some((field) => field._id === key),
    );
    body.replaceChildren(
      el(
        "div",
        { class: "cc-summary" },
        el("p", { class: "cc-summary-name" }, contactName(room)),
        el(
          "p",
          { class: "row cc-summary-tags" },
          CC.tag(status.label, status.kind),
          CC.verificationTag(room.verified),
          contact?.unknown ? CC.tag("Unknown contact", "warn") : null,
        ),
      ),
      actions,
      el("h3", {}, "Conversation"),
      CC.details([
        ["Contact", contactLink],
        ["Email", contact?.emails?.map((email) => email.address).join(", ")],
        ["Phone", contact?.phones?.map((phone) => phone.phoneNumber).join(", ")],
        ["Channel", CC.channelCell(room.source)],
        ["Agent", room.servedBy?.username],
        ["Department", room.department?.name],
        ["Started", CC.when(room.ts)],
        ["Last message", CC.when(room.lm)],
        ["Closed", CC.when(room.closedAt)],
        [
          "Closed by",
          room.closedAt ? (room.closer === "visitor" ? "The contact" : room.closedBy?.username) : "",
        ],
        ["Closing comment", room.closingMessage?.msg],
        ["Transcript requested", room.transcriptRequest?.email],
      ]),
      el("h3", {}, "Room information"),
      CC.details(
        [
          ["Topic", room.topic || ""],
          ["Tags", room.tags?.length ? el("span", {}, ...room.tags.map((name) => CC.tag(name, "info"))) : ""],
          ["Priority", CC.priorityName(priority)],
          ["SLA", room.slaId ? el("span", {}, sla ? `${sla.name} ` : "", slaCell(room)) : ""],
          ...customPairs,
          ...legacy.map(([key, value]) => [key, String(value)]),
        ],
        { keepEmpty: true },
      ),
    );
  }

  function renderConversation() {
    const { room } = current;
    CC.drawer.setTitle(`Conversation with ${contactName(room)}`);
    CC.conversationView(CC.drawer.body, room, { onBack: renderInfo, backLabel: "Chat information" });
    CC.drawer.body.querySelector("input[type=search]").focus();
  }

  async function renderEdit() {
    const { room } = current;
    const body = CC.drawer.body;
    CC.drawer.setTitle("Edit room information");
    const [priorities, tags, fields, slas] = await Promise.all([
      CC.lookups.priorities().catch(() => []),
      CC.lookups.tags().catch(() => []),
      can("edit-livechat-room-customfields") ? CC.lookups.customFields().catch(() => []) : [],
      CC.lookups.slas().catch(() => []),
    ]);
    const roomFields = fields.filter((field) => field.scope === "room");
    const topic = el("input", { name: "topic", value: room.topic || "", autocomplete: "off" });
    const usable = tags.filter(
      (item) => !item.departments?.length || item.departments.includes(room.departmentId),
    );
    const tagInput = CC.tagPicker({
      label: "Tags",
      values: room.tags || [],
      suggestions: usable.map((item) => item.name),
      strict: true,
    });
    const priority = el(
      "select",
      { name: "priority" },
      el("option", { value: "" }, "No priority"),
      ...priorities.map((item) =>
        el("option", { value: item._id, selected: item._id === room.priorityId }, CC.priorityName(item)),
      ),
    );
    const sla = el(
      "select",
      { name: "sla" },
      el("option", { value: "" }, "No SLA"),
      ...slas.map((item) =>
        el(
          "option",
          { value: item._id, selected: item._id === room.slaId },
          `${item.name} (${item.dueTimeInMinutes} min)`,
        ),
      ),
    );
    const inputs = roomFields.map((field) => [
      field,
      customFieldInput(field, room.livechatData?.[field._id] || ""),
    ]);
    const alert = el("p", { class: "alert alert-error", role: "alert", hidden: true });
    const cancel = el("button", { type: "button", class: "button" }, "Cancel");
    const save = el("button", { type: "submit", class: "button primary" }, "Save");
    const form = el(
      "form",
      { class: "stack", novalidate: true },
      alert,
      el("label", {}, "Topic", topic),
      tagInput.node,
      el("label", {}, "Priority", priority),
      el("label", {}, "SLA", sla),
      ...inputs.map(([field, input]) =>
        el("label", {}, `${field.label || field._id}${field.required ? " (required)" : ""}`, input),
      ),
      el("div", { class: "row" }, cancel, save),
    );
    body.replaceChildren(form);
    topic.focus();
    cancel.addEventListener("click", renderInfo);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      alert.hidden = true;
      save.disabled = true;
      const roomData = {
        _id: room._id,
        topic: topic.value,
        tags: tagInput.values(),
        priorityId: priority.value,
        slaId: sla.value,
      };
      if (inputs.length)
        roomData.livechatData = Object.fromEntries(inputs.map(([field, input]) => [field._id, input.value]));
      try {
        await api("POST", "livechat/room.saveInfo", { guestData: { _id: room.v._id }, roomData });
        toast("Room information saved");
        current.room = (await api("GET", "livechat/room.info", { roomId: room._id })).room;
        renderInfo();
        table.reload();
      } catch (error) {
        alert.textContent = CC.errorText(error);
        alert.hidden = false;
      } finally {
        save.disabled = false;
      }
    });
  }

  function sendTranscript() {
    const { room, contact } = current;
    const email = el("input", {
      type: "email",
      name: "email",
      required: true,
      value: contact?.emails?.[0]?.address || "",
      autocomplete: "off",
    });
    const subject = el("input", { name: "subject", value: "Transcript of your chat", autocomplete: "off" });
    CC.formDialog({
      title: "Send transcript by email",
      submitLabel: "Send",
      fields: [
        el("p", { class: "muted" }, `The whole conversation with ${contactName(room)}, as it is now.`),
        el("label", {}, "Email address", email),
        el("label", {}, "Subject", subject),
      ],
      submit: async () => {
        if (!email.value.trim()) throw new Error("Enter the address to send the transcript to.");
        const answer = await api("POST", `omnichannel/${encodeURIComponent(room._id)}/transcript.email`, {
          email: email.value.trim(),
          subject: subject.value.trim() || null,
        });
        toast(
          answer.delivery === "queued"
            ? `Transcript queued for ${email.value.trim()}: email delivery is off`
            : `Transcript sent to ${email.value.trim()}`,
        );
      },
    });
  }

  async function removeChat(room) {
    const confirmed = await CC.confirmDialog({
      title: "Remove this chat?",
      message:
        `The closed conversation with ${contactName(room)} and all of its messages will be deleted. ` +
        "This cannot be undone.",
      confirmLabel: "Remove",
      danger: true,
    });
    if (!confirmed) return;
    try {
      await api("POST", "livechat/rooms.delete", { roomId: room._id });
      toast("Chat removed");
      if (current?.room._id === room._id) CC.drawer.close();
      table.reload();
    } catch (error) {
      CC.fail(error);
    }
  }

  // A change to a chat this user may see (the server decides): the rows are fetched again, the
  // filters, page, sort, selection and an open side panel staying as they are.
  LiveUpdates.watch(
    (notice) => notice.type === "room",
    () => table.reload({ quiet: true }),
  );

  // --- start ---------------------------------------------------------------------------------------

  CC.onRoute((id) => {
    if (id) openChat(id);
    else {
      CC.drawer.close({ silent: true });
      table.mark(null);
      current = null;
    }
  });
  fillFilterOptions().catch(CC.fail);
  table.reload();
  if (config.openId) openChat(config.openId);
})();
