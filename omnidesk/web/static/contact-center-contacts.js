// Contact Center → Contacts: known contacts with search; a contact opens with its Details, Channels
// (block and unblock) and History (closed chats, searchable); the pencil edits it; "New contact" creates
// one and warns when an email or phone already belongs to someone.
"use strict";

(() => {
  const { el, api, toast } = Omnidesk;
  const { config, can } = CC;
  const $ = (id) => document.getElementById(id);
  let searchText = "";

  const displayName = (contact) =>
    contact.name || contact.emails?.[0]?.address || contact.phones?.[0]?.phoneNumber || "Unnamed contact";
  // A list gives the manager as {_id, name, username}; one contact gives its id (Rocket.Chat's) and the
  // same object as contactManagerInfo.
  const managerOf = (contact) =>
    contact?.contactManagerInfo ||
    (typeof contact?.contactManager === "object" ? contact.contactManager : null);
  const managerName = (manager) => (manager ? manager.name || manager.username : "");

  // --- the listing ---------------------------------------------------------------------------------

  const table = CC.dataTable({
    container: $("contacts-table"),
    caption: "Contacts",
    sort: { name: 1 },
    columns: [
      {
        label: "Name",
        sort: "name",
        render: (contact) => el("span", { class: "cc-name" }, displayName(contact)),
      },
      {
        label: "Email",
        render: (contact) => contact.emails?.[0]?.address || el("span", { class: "muted" }, "—"),
      },
      {
        label: "Phone",
        render: (contact) => contact.phones?.[0]?.phoneNumber || el("span", { class: "muted" }, "—"),
      },
      {
        label: "Contact manager",
        render: (contact) => managerName(managerOf(contact)) || el("span", { class: "muted" }, "—"),
      },
      {
        label: "Last chat",
        sort: "lastChat.ts",
        firstDirection: -1,
        render: (contact) => CC.shortWhen(contact.lastChat?.ts),
      },
    ],
    load: async ({ offset, count, sort }) => {
      const data = await api("GET", "omnichannel/contacts.search", {
        searchText: searchText.trim(),
        offset,
        count,
        sort,
      });
      return { items: data.contacts, total: data.total, capped: Boolean(data.totalCapped) };
    },
    rowHref: (contact) => `/contact-center/contacts/${encodeURIComponent(contact._id)}`,
    onOpen: (contact) => openContact(contact._id),
    emptyText: () =>
      searchText.trim() ? "No contacts match your search." : "No contacts yet. Add one with “New contact”.",
  });

  $("contacts-search").addEventListener(
    "input",
    Omnidesk.debounce((event) => {
      searchText = event.target.value;
      table.reload({ resetOffset: true });
    }, 300),
  );

  // --- the contact form (new and edit) -------------------------------------------------------------

  // A list of text inputs with "Add another" and per-row removal; checks each value on change.
  function multiInput({ label, type, values, check }) {
    const rows = el("div", { class: "stack cc-multi" });
    const add = el("button", { type: "button", class: "button small" }, `Add ${label.toLowerCase()}`);
    const node = el("fieldset", { class: "cc-fieldset" }, el("legend", {}, `${label}s`), rows, add);
    function addRow(value = "") {
      const input = el("input", { type, value, autocomplete: "off", "aria-label": label });
      const note = el("p", { class: "alert alert-warn cc-exists", role: "status", hidden: true });
      const remove = el(
        "button",
        {
          type: "button",
          class: "button small cc-icon-button",
          "aria-label": `Remove ${label.toLowerCase()}`,
          title: "Remove",
        },
        CC.icon("close"),
      );
      const row = el("div", { class: "cc-multi-row" }, el("div", { class: "row" }, input, remove), note);
      remove.addEventListener("click", () => {
        row.remove();
        if (!rows.children.length) addRow();
      });
      input.addEventListener("change", () => check(input.value.trim(), note));
      rows.append(row);
      return input;
    }
    add.addEventListener("click", () => addRow().focus());
    for (const value of values.length ? values : [""]) addRow(value);
    return {
      node,
      values: () => [...rows.querySelectorAll("input")].map((input) => input.value.trim()).filter(Boolean),
    };
  }

  function existenceCheck(kind, originalValues) {
    return async (value, note) => {
      note.hidden = true;
      if (!value || originalValues.includes(value)) return;
      if (kind === "email" && !/^[^@\s]+@[^@\s]+$/.test(value)) return;
      try {
        const { exists } = await api("GET", "omnichannel/contacts.checkExistence", { [kind]: value });
        if (exists) {
          note.textContent = `${value} already belongs to another contact.`;
          note.hidden = false;
        }
      } catch {
        /* the check is a courtesy; saving reports real errors */
      }
    };
  }

  async function contactForm(contact, { onSaved, onCancel }) {
    const [agents, fields] = await Promise.all([
      CC.lookups.agents().catch(() => null),
      CC.lookups.customFields().catch(() => []),
    ]);
    const contactFields = fields.filter((field) => field.scope === "visitor");
    const emails = (contact?.emails || []).map((email) => email.address);
    const phones = (contact?.phones || []).map((phone) => phone.phoneNumber);
    const name = el("input", {
      name: "name",
      value: contact?.name || "",
      autocomplete: "off",
      required: true,
    });
    const emailList = multiInput({
      label: "Email",
      type: "email",
      values: emails,
      check: existenceCheck("email", emails),
    });
    const phoneList = multiInput({
      label: "Phone",
      type: "tel",
      values: phones,
      check: existenceCheck("phone", phones),
    });
    let manager = null;
    if (agents) {
      const current = managerOf(contact)?._id || "";
      manager = el(
        "select",
        { name: "contactManager" },
        el("option", { value: "" }, "No contact manager"),
        ...agents.map((agent) =>
          el(
            "option",
            { value: agent._id, selected: agent._id === current },
            agent.name ? `${agent.name} (@${agent.username})` : agent.username,
          ),
        ),
      );
      if (current && !agents.some((agent) => agent._id === current)) {
        manager.append(el("option", { value: current, selected: true }, managerName(managerOf(contact))));
      }
    }
    const customInputs = contactFields.map((field) => {
      const value = contact?.customFields?.[field._id] ?? "";
      const options = String(field.options || "")
        .split(",")
        .map((option) => option.trim())
        .filter(Boolean);
      const input =
        field.type === "select" && options.length
          ? el(
              "select",
              { name: field._id },
              el("option", { value: "" }, "—"),
              ...options.map((option) => el("option", { value: option, selected: option === value }, option)),
            )
          : el("input", { name: field._id, value: String(value), autocomplete: "off" });
      return [field, input];
    });
    // A 409 names the contact that has an email or phone already: link to it, or save anyway.
    let allowDuplicate = false;
    const duplicate = el("div", { class: "alert alert-warn cc-duplicate", role: "alert", hidden: true });
    function offerDuplicate(error, formNode) {
      const response = error?.response;
      if (response?.errorType !== "error-contact-already-exists" || !response.details) return false;
      const { contactId, name: holder, value } = response.details;
      const link = el("a", { href: `/contact-center/contacts/${encodeURIComponent(contactId)}` }, holder);
      const anyway = el("button", { type: "button", class: "button small" }, "Save anyway");
      anyway.addEventListener("click", () => {
        allowDuplicate = true;
        formNode.requestSubmit();
      });
      duplicate.replaceChildren(el("p", {}, `${value} already belongs to `, link, "."), anyway);
      duplicate.hidden = false;
      return true;
    }
    return {
      offerDuplicate,
      fields: [
        duplicate,
        el("label", {}, "Name", name),
        emailList.node,
        phoneList.node,
        manager ? el("label", {}, "Contact manager", manager) : null,
        ...customInputs.map(([field, input]) =>
          el("label", {}, `${field.label || field._id}${field.required ? " (required)" : ""}`, input),
        ),
      ].filter(Boolean),
      focus: name,
      collect: () => {
        if (!name.value.trim()) throw new Error("Enter the contact's name.");
        const body = { name: name.value.trim(), emails: emailList.values(), phones: phoneList.values() };
        if (manager) body.contactManager = manager.value;
        if (allowDuplicate) body.allowDuplicate = true;
        if (customInputs.length)
          body.customFields = Object.fromEntries(
            customInputs.map(([field, input]) => [field._id, input.value]),
          );
        return body;
      },
      onSaved,
      onCancel,
    };
  }

  async function newContact() {
    const form = await contactForm(null, {});
    CC.formDialog({
      title: "New contact",
      submitLabel: "Save",
      className: "cc-wide-dialog",
      fields: form.fields,
      submit: async (formNode) => {
        const body = form.collect();
        let contactId;
        try {
          ({ contactId } = await api("POST", "omnichannel/contacts", body));
        } catch (error) {
          if (form.offerDuplicate(error, formNode)) return false;
          throw error;
        }
        toast(`Contact ${body.name} created`);
        table.reload();
        openContact(contactId);
      },
    });
    form.focus.focus();
  }
  $("contacts-new")?.addEventListener("click", () => newContact().catch(CC.fail));

  // --- one contact ---------------------------------------------------------------------------------

  let current = null;

  async function openContact(contactId, { tab = 0 } = {}) {
    CC.setDetail(contactId);
    table.mark(contactId);
    const body = CC.drawer.open("Contact", {
      closed: () => {
        CC.setDetail(null);
        table.mark(null);
        current = null;
      },
    });
    try {
      const { contact } = await api("GET", "omnichannel/contacts.get", { contactId });
      current = { contact };
      renderContact(tab);
    } catch (error) {
      body.replaceChildren(
        el("p", { class: "alert alert-error" }, `This contact could not be opened: ${CC.errorText(error)}`),
      );
    }
  }

  // Merging: the merge view takes the drawer; afterwards the contact opens on its Changes, where the
  // merge can be undone.
  function mergeInto(contact) {
    CC.drawer.setActions();
    ContactMerge.open(CC.drawer.body, contact, {
      done: (contactId, mergeId) => {
        openContact(contactId, { tab: mergeId && can("view-livechat-contact-audit") ? 99 : 0 });
        if (mergeId) table.reload();
      },
    }).catch(CC.fail);
  }

  // Privacy requests: download everything held about the person, or erase them.
  async function downloadExport(contact) {
    const { export: document_ } = await api("GET", "omnichannel/contacts.export", { contactId: contact._id });
    const blob = new Blob([JSON.stringify(document_, null, 2)], { type: "application/json" });
    const link = el("a", { href: URL.createObjectURL(blob), download: `contact-${contact._id}.json` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  async function erase(contact) {
    const confirmed = await CC.confirmDialog({
      title: "Erase this person?",
      message: `Everything held about ${displayName(contact)} is deleted for good: the contact, every chat with its messages, every call, and the contact's history. Only a note that the contact was erased remains.`,
      confirmLabel: "Erase",
      danger: true,
    });
    if (!confirmed) return;
    await api("POST", "omnichannel/contacts.erase", { contactId: contact._id });
    toast(`${displayName(contact)} was erased`);
    CC.drawer.close();
    table.reload();
  }

  function renderContact(tab = 0) {
    const { contact } = current;
    CC.drawer.setTitle(displayName(contact));
    const actions = [];
    if (can("update-livechat-contact")) {
      const pencil = el(
        "button",
        { type: "button", class: "button small cc-icon-button", "aria-label": "Edit contact", title: "Edit" },
        CC.icon("edit"),
      );
      pencil.addEventListener("click", renderEdit);
      actions.push(pencil);
    }
    const privacy = [];
    if (can("merge-livechat-contacts"))
      privacy.push({ label: "Merge duplicates…", action: () => mergeInto(contact) });
    if (can("export-livechat-contact"))
      privacy.push({ label: "Download all data", action: () => downloadExport(contact).catch(CC.fail) });
    if (can("erase-livechat-contact"))
      privacy.push({
        label: "Erase this person…",
        danger: true,
        action: () => erase(contact).catch(CC.fail),
      });
    if (privacy.length) actions.push(CC.menuButton({ label: "Contact options", items: privacy }));
    CC.drawer.setActions(...actions);
    const tabs = [
      { label: "Details", render: renderDetails },
      { label: "Channels", render: renderChannels },
    ];
    if (can("view-livechat-contact-history")) tabs.push({ label: "History", render: renderHistory });
    if (can("view-livechat-contact-audit"))
      tabs.push({
        label: "Changes",
        render: (panel) =>
          ContactMerge.renderAudit(panel, current.contact, {
            changed: () =>
              openContact(current.contact._id, { tab: tabs.length - 1 }).then(() => table.reload()),
          }),
      });
    CC.drawer.body.replaceChildren(
      CC.tabSet("Contact", tabs, { selected: Math.min(tab, tabs.length - 1) }).node,
    );
  }

  async function renderDetails(panel) {
    const { contact } = current;
    const fields = await CC.lookups.customFields().catch(() => []);
    const labels = Object.fromEntries(fields.map((field) => [field._id, field.label || field._id]));
    const customPairs = Object.entries(contact.customFields || {}).map(([key, value]) => [
      labels[key] || key,
      String(value ?? ""),
    ]);
    panel.replaceChildren(
      contact.unknown ? el("p", {}, CC.tag("Unknown contact", "warn")) : "",
      conflictsBox(contact),
      CC.details(
        [
          ["Name", contact.name],
          [
            "Emails",
            contact.emails?.length
              ? el(
                  "span",
                  { class: "stack cc-tight" },
                  ...contact.emails.map((email) => el("span", {}, email.address)),
                )
              : "",
          ],
          [
            "Phones",
            contact.phones?.length
              ? el(
                  "span",
                  { class: "stack cc-tight" },
                  ...contact.phones.map((phone) => el("span", {}, phone.phoneNumber)),
                )
              : "",
          ],
          ["Contact manager", managerName(managerOf(contact))],
          ["Last chat", CC.when(contact.lastChat?.ts)],
          ["Created", CC.when(contact.createdAt)],
          ...customPairs,
        ],
        { keepEmpty: true },
      ),
    );
  }

  // Conflicting fields: data a chat brought in that disagrees with what staff saved. Each is settled
  // here by choosing the value to keep.
  function conflictsBox(contact) {
    const conflicts = contact.conflictingFields || [];
    if (!conflicts.length) return "";
    const box = el(
      "section",
      { class: "alert alert-warn cc-conflicts", "aria-label": "Conflicting fields" },
      el("strong", {}, CC.plural(conflicts.length, "conflicting field", "conflicting fields")),
      el("p", {}, "A chat brought values that differ from the saved ones. Choose what to keep."),
    );
    if (!can("update-livechat-contact")) return box;
    for (const conflict of conflicts) {
      const field = conflict.field;
      const label =
        field === "name"
          ? "Name"
          : field === "manager"
            ? "Contact manager"
            : field.replace(/^customFields\./, "");
      const saved =
        field === "name"
          ? contact.name
          : field.startsWith("customFields.")
            ? contact.customFields?.[field.slice(13)]
            : managerName(managerOf(contact));
      const keepNew = el("button", { type: "button", class: "button small" }, `Use “${conflict.value}”`);
      const keepOld = el("button", { type: "button", class: "button small" }, "Keep saved");
      keepNew.addEventListener("click", () => settle(field, conflict.value));
      keepOld.addEventListener("click", () => settle(field, saved ?? ""));
      box.append(
        el(
          "div",
          { class: "cc-conflict" },
          el(
            "div",
            {},
            el("strong", {}, label),
            ": saved “",
            String(saved ?? ""),
            "”, new “",
            String(conflict.value ?? ""),
            "”",
          ),
          el("div", { class: "row" }, keepNew, keepOld),
        ),
      );
    }
    return box;
  }

  async function settle(field, value) {
    const { contact } = current;
    const body = { contactId: contact._id };
    if (field === "name") body.name = String(value);
    else if (field === "manager") body.contactManager = String(value);
    else body.customFields = { [field.slice(13)]: value };
    try {
      const data = await api("POST", "omnichannel/contacts.conflicts", body);
      current.contact = data.contact;
      toast("Conflict resolved");
      renderContact(0);
      table.reload();
    } catch (error) {
      CC.fail(error);
    }
  }

  async function renderChannels(panel) {
    const { contact } = current;
    panel.replaceChildren(el("div", { class: "loading" }, "Loading channels…"));
    let channels;
    try {
      channels = (await api("GET", "omnichannel/contacts.channels", { contactId: contact._id })).channels;
    } catch (error) {
      panel.replaceChildren(el("p", { class: "alert alert-error" }, CC.errorText(error)));
      return;
    }
    if (!channels.length) {
      panel.replaceChildren(
        el("p", { class: "empty-state" }, "This contact has not reached you on any channel yet."),
      );
      return;
    }
    panel.replaceChildren(
      el(
        "ul",
        { class: "cc-list cc-channel-list", "aria-label": "Channels" },
        ...channels.map((channel) => channelItem(channel, panel)),
      ),
    );
  }

  function channelItem(channel, panel) {
    const source = channel.visitor.source;
    const kind = CC.channelOf(source);
    const detail = channel.details?.destination || channel.value || "";
    const items = [];
    if (channel.blocked && can("unblock-livechat-contact"))
      items.push({ label: "Unblock", action: () => setBlocked(channel, false, panel) });
    if (!channel.blocked && can("block-livechat-contact"))
      items.push({ label: "Block", danger: true, action: () => setBlocked(channel, true, panel) });
    return el(
      "li",
      { class: "cc-channel-item", dataset: { channel: channel.name } },
      el(
        "div",
        { class: "cc-list-main" },
        el("span", { class: "cc-list-title" }, CC.channelCell(source)),
        detail ? el("span", { class: "cc-list-meta" }, detail) : "",
        el(
          "span",
          { class: "row cc-summary-tags" },
          CC.verificationTag(channel.verified),
          channel.blocked ? CC.tag("Blocked", "danger") : null,
          channel.lastChat?.ts
            ? el("span", { class: "muted" }, "Last chat ", CC.shortWhen(channel.lastChat.ts))
            : null,
        ),
      ),
      items.length ? CC.menuButton({ label: `${kind.label} options`, items }) : "",
    );
  }

  // The chat open on a channel, which blocking it closes: its latest chat, when still open. `null` when
  // there is none; `undefined` when it cannot be told (another agent's chat this user may not open).
  async function openChatOf(channel) {
    if (!channel.lastChat?._id) return null;
    try {
      const { room } = await api("GET", "livechat/room.info", { roomId: channel.lastChat._id });
      return room.open ? room : null;
    } catch {
      return undefined;
    }
  }

  function closingText(chat, kind) {
    if (chat === undefined) return ` If a chat on ${kind.label} is open, it will be closed.`;
    if (!chat.servedBy) return ` Its chat waiting in the queue on ${kind.label} will be closed.`;
    const agent = chat.servedBy._id === config.userId ? "you" : chat.servedBy.username;
    return ` Its open chat on ${kind.label}, served by ${agent}, will be closed.`;
  }

  async function setBlocked(channel, blocked, panel) {
    const kind = CC.channelOf(channel.visitor.source);
    const chat = blocked ? await openChatOf(channel) : null;
    const confirmed = await CC.confirmDialog({
      title: blocked ? "Block this contact?" : "Unblock this contact?",
      message: blocked
        ? `${displayName(current.contact)} will not be able to reach you through ${kind.label}. ` +
          `Other channels stay open.${chat === null ? "" : closingText(chat, kind)}`
        : `${displayName(current.contact)} will be able to reach you through ${kind.label} again.`,
      confirmLabel: blocked ? (chat ? "Block and close the chat" : "Block") : "Unblock",
      danger: blocked,
    });
    if (!confirmed) return;
    try {
      await api("POST", `omnichannel/contacts.${blocked ? "block" : "unblock"}`, {
        visitor: channel.visitor,
      });
      const closed = chat ? "; its chat was closed" : "";
      toast(blocked ? `Blocked on ${kind.label}${closed}` : `Unblocked on ${kind.label}`);
      renderChannels(panel);
    } catch (error) {
      CC.fail(error);
    }
  }

  function renderHistory(panel) {
    const { contact } = current;
    const sources = [...new Set((contact.channels || []).map((channel) => channel.visitor.source.type))];
    const filter = el(
      "select",
      { "aria-label": "Channel" },
      el("option", { value: "" }, "All channels"),
      ...sources.map((type) => el("option", { value: type }, CC.channelOf({ type }).label)),
    );
    const list = el("ul", { class: "cc-list", "aria-label": "Closed chats" });
    const more = el("button", { type: "button", class: "button small", hidden: true }, "Load more");
    const state = { offset: 0, request: 0 };
    panel.replaceChildren(
      el("div", { class: "toolbar" }, el("label", { class: "cc-inline-select" }, "Channel", filter)),
      list,
      more,
    );

    async function load({ append = false } = {}) {
      const request = ++state.request;
      if (!append) {
        state.offset = 0;
        list.replaceChildren(el("li", { class: "loading" }, "Loading history…"));
      }
      try {
        const data = await api("GET", "omnichannel/contacts.history", {
          contactId: contact._id,
          source: filter.value,
          offset: state.offset,
          count: 25,
        });
        if (request !== state.request) return;
        if (!append) list.replaceChildren();
        list.append(...data.history.map(historyItem));
        state.offset += data.history.length;
        more.hidden = state.offset >= data.total;
        if (!data.total)
          list.replaceChildren(
            el(
              "li",
              { class: "empty-state" },
              filter.value ? "No closed chats on this channel." : "No closed chats yet.",
            ),
          );
      } catch (error) {
        if (request === state.request)
          list.replaceChildren(el("li", { class: "alert alert-error" }, CC.errorText(error)));
      }
    }

    function historyItem(room) {
      const open = el(
        "button",
        { type: "button", class: "cc-list-open" },
        el("span", { class: "cc-list-title" }, CC.channelCell(room.source), CC.when(room.ts)),
        el(
          "span",
          { class: "cc-list-meta" },
          room.servedBy?.username ? `Served by ${room.servedBy.username}` : "Not served",
          room.closingMessage?.msg ? ` · ${room.closingMessage.msg}` : "",
        ),
      );
      open.addEventListener("click", () => {
        CC.drawer.setTitle(`Chat of ${CC.when(room.ts).textContent || ""}`.trim());
        CC.conversationView(
          CC.drawer.body,
          { ...room, fname: displayName(contact) },
          { onBack: () => renderContact(2), backLabel: "History" },
        );
        CC.drawer.body.querySelector("input[type=search]").focus();
      });
      return el("li", {}, open);
    }

    filter.addEventListener("change", () => load());
    more.addEventListener("click", () => load({ append: true }));
    load();
  }

  async function renderEdit() {
    const { contact } = current;
    CC.drawer.setTitle(`Edit ${displayName(contact)}`);
    CC.drawer.setActions();
    const form = await contactForm(contact, {});
    const alert = el("p", { class: "alert alert-error", role: "alert", hidden: true });
    const cancel = el("button", { type: "button", class: "button" }, "Cancel");
    const save = el("button", { type: "submit", class: "button primary" }, "Save");
    const node = el(
      "form",
      { class: "stack", novalidate: true },
      alert,
      ...form.fields,
      el("div", { class: "row" }, cancel, save),
    );
    CC.drawer.body.replaceChildren(node);
    form.focus.focus();
    cancel.addEventListener("click", () => renderContact(0));
    node.addEventListener("submit", async (event) => {
      event.preventDefault();
      alert.hidden = true;
      save.disabled = true;
      try {
        const data = await api("POST", "omnichannel/contacts.update", {
          contactId: contact._id,
          ...form.collect(),
        });
        current.contact = data.contact;
        toast("Contact saved");
        renderContact(0);
        table.reload();
      } catch (error) {
        if (!form.offerDuplicate(error, node)) {
          alert.textContent = CC.errorText(error);
          alert.hidden = false;
        }
      } finally {
        save.disabled = false;
      }
    });
  }

  // --- start ---------------------------------------------------------------------------------------

  // A contact changed, or a chat opened (a contact's last chat): the rows are fetched again, the
  // search, page, sort, selection and an open side panel staying as they are.
  LiveUpdates.watch(
    (notice) => notice.type === "contact" || (notice.type === "room" && notice.op === "opened"),
    () => table.reload({ quiet: true }),
  );

  CC.onRoute((id) => {
    if (id) openContact(id);
    else {
      CC.drawer.close({ silent: true });
      table.mark(null);
      current = null;
    }
  });
  table.reload();
  if (config.openId) openContact(config.openId);
})();
