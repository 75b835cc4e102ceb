// The live view's dialogs about the open chat: the unknown-contact notice (add the contact, block it,
// dismiss), closing with a comment and tags, and transferring to an agent or a department.
"use strict";

(() => {
  const { api, el, toast } = Omnidesk;
  const { $, me, flags, state, sourceLabel, visitorName, showError, openDialog } = Live;
  const { scheduleMine, loadQueue, refreshRoom } = Live;

  // --- unknown contact: add, block, dismiss ---------------------------------------------------------------

  const dismissedKey = (contactId) => `omnidesk-dismissed-contact-${contactId}`;

  async function loadContact() {
    const room = state.room;
    if (!room?.contactId || !room.open) return;
    try {
      const data = await api("GET", "omnichannel/contacts.get", { contactId: room.contactId });
      // Another chat opened meanwhile. (Not the same object: a realtime update of this chat replaces
      // state.room while the request is out, and its contact must still be shown.)
      if (state.room?._id !== room._id) return;
      state.contact = data.contact;
    } catch {
      return;
    }
    const unknown = state.contact.unknown && !sessionStorage.getItem(dismissedKey(state.contact._id));
    $("unknown-notice").hidden = !unknown;
    $("add-contact-open").hidden = !flags.editContact;
    $("block-open").hidden = !flags.block;
  }

  $("dismiss-notice").addEventListener("click", () => {
    if (state.contact) sessionStorage.setItem(dismissedKey(state.contact._id), "1");
    $("unknown-notice").hidden = true;
    $("composer-text").focus();
  });

  $("add-contact-open").addEventListener("click", () => {
    const contact = state.contact;
    const form = $("contact-form");
    form.elements.name.value = contact.name || "";
    form.elements.email.value = contact.emails?.[0]?.address || "";
    form.elements.phone.value = contact.phones?.[0]?.phoneNumber || "";
    openDialog($("contact-dialog"));
  });
  $("contact-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const body = { contactId: state.contact._id, name: form.elements.name.value.trim() };
    const email = form.elements.email.value.trim();
    const phone = form.elements.phone.value.trim();
    if (email) body.emails = [email];
    if (phone) body.phones = [phone];
    try {
      const data = await api("POST", "omnichannel/contacts.update", body);
      state.contact = data.contact;
    } catch (error) {
      showError(form, error);
      return;
    }
    $("contact-dialog").close();
    $("unknown-notice").hidden = true;
    $("room-name").textContent = state.contact.name;
    toast(`${state.contact.name} was added to your contacts.`);
    scheduleMine();
  });

  $("block-open").addEventListener("click", () => {
    const room = state.room;
    $("block-text").textContent =
      `${visitorName(room)} will not be able to reach you on ${sourceLabel(room.source)} any more, ` +
      "and this chat will be closed.";
    openDialog($("block-dialog"));
  });
  $("block-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const room = state.room;
    const source = { type: room.source.type };
    if (room.source.id) source.id = room.source.id;
    try {
      await api("POST", "omnichannel/contacts.block", { visitor: { visitorId: room.v._id, source } });
    } catch (error) {
      showError(event.target, error);
      return;
    }
    $("block-dialog").close();
    $("unknown-notice").hidden = true;
    toast(`${visitorName(room)} is blocked on ${sourceLabel(room.source)}.`);
    refreshRoom();
    scheduleMine();
  });

  // --- closing and transferring ----------------------------------------------------------------------------

  $("close-open").addEventListener("click", async () => {
    const form = $("close-form");
    form.reset();
    const holder = $("close-tags");
    openDialog($("close-dialog"));
    try {
      const query = { count: 200 };
      if (state.room?.departmentId) query.department = state.room.departmentId;
      const data = await api("GET", "livechat/tags", query);
      if (data.tags.length) {
        holder.replaceChildren(
          ...data.tags.map((tag) =>
            el(
              "label",
              { class: "check" },
              el("input", { type: "checkbox", name: "tags", value: tag.name }),
              tag.name,
            ),
          ),
        );
      }
    } catch {
      /* closing works without tags */
    }
  });
  $("close-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const tags = [...form.querySelectorAll("input[name=tags]:checked")].map((box) => box.value);
    const body = { rid: state.rid, comment: form.elements.comment.value.trim() };
    if (tags.length) body.tags = tags;
    try {
      await api("POST", "livechat/room.closeByUser", body);
    } catch (error) {
      showError(form, error);
      return;
    }
    $("close-dialog").close();
    toast("Chat closed.");
    refreshRoom();
    scheduleMine();
  });

  $("transfer-open").addEventListener("click", async () => {
    const form = $("transfer-form");
    form.reset();
    openDialog($("transfer-dialog"));
    const [agents, departments] = await Promise.all([
      api("GET", "livechat/users/agent", { onlyAvailable: true, excludeId: me.id, count: 100 }).catch(() => ({
        users: [],
      })),
      api("GET", "livechat/department", { enabled: "true", count: 100 }).catch(() => ({ departments: [] })),
    ]);
    $("transfer-agent").replaceChildren(
      el("option", { value: "" }, agents.users.length ? "—" : "No other agent is available"),
      ...agents.users.map((user) =>
        el("option", { value: user._id }, `${user.name || user.username} (@${user.username})`),
      ),
    );
    $("transfer-department").replaceChildren(
      el("option", { value: "" }, "—"),
      ...departments.departments.map((department) =>
        el("option", { value: department._id }, department.name),
      ),
    );
  });
  $("transfer-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const userId = form.elements.userId.value;
    const departmentId = form.elements.departmentId.value;
    if (!userId && !departmentId) {
      showError(form, new Error("Choose an agent or a department."));
      return;
    }
    const body = { roomId: state.rid, comment: form.elements.comment.value.trim() || undefined };
    if (userId) body.userId = userId;
    else body.departmentId = departmentId;
    try {
      await api("POST", "livechat/room.forward", body);
    } catch (error) {
      showError(form, error);
      return;
    }
    $("transfer-dialog").close();
    toast("Chat transferred.");
    scheduleMine();
    loadQueue();
    refreshRoom();
  });

  Object.assign(Live, { loadContact });
})();
