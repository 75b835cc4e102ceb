// Contact Center → Contacts: merging duplicates into the open contact (pick from the suggestions or a
// search, see the preview side by side, merge, undo), and the contact's history of changes, where a
// merge can be undone later. contact-center-contacts.js opens both.
"use strict";

// biome-ignore lint/correctness/noUnusedVariables: the global contact-center-contacts.js uses
const ContactMerge = (() => {
  const { el, api, toast } = Omnidesk;

  const nameOf = (contact) => contact.name || contact.emails?.[0]?.address || "Unnamed contact";
  const list = (values) => (values.length ? values.join(", ") : "—");
  const emailsOf = (contact) => list((contact.emails || []).map((email) => email.address));
  const phonesOf = (contact) => list((contact.phones || []).map((phone) => phone.phoneNumber));
  const fieldsOf = (contact) =>
    list(Object.entries(contact.customFields || {}).map(([key, value]) => `${key}: ${value}`));

  // The merge view, in `panel`: `survivor` stays; `done(contactId)` reopens the contact afterwards.
  async function open(panel, survivor, { done }) {
    const chosen = new Map();
    const alert = el("p", { class: "alert alert-error", role: "alert", hidden: true });
    const candidates = el("ul", { class: "cc-merge-candidates", "aria-label": "Possible duplicates" });
    const search = el("input", {
      type: "search",
      placeholder: "Find another contact to merge",
      "aria-label": "Find another contact to merge",
      autocomplete: "off",
    });
    const found = el("ul", { class: "cc-merge-candidates", "aria-label": "Search results" });
    const previewButton = el(
      "button",
      { type: "button", class: "button primary", disabled: true },
      "Preview",
    );
    const cancel = el("button", { type: "button", class: "button" }, "Cancel");
    const preview = el("div", { class: "cc-merge-preview" });
    cancel.addEventListener("click", () => done(survivor._id));

    function candidate(contact, reasons) {
      const box = el("input", { type: "checkbox", checked: chosen.has(contact._id) });
      box.addEventListener("change", () => {
        if (box.checked) chosen.set(contact._id, contact);
        else chosen.delete(contact._id);
        previewButton.disabled = chosen.size === 0;
        preview.replaceChildren();
      });
      return el(
        "li",
        {},
        el(
          "label",
          { class: "cc-merge-candidate" },
          box,
          el("strong", {}, nameOf(contact)),
          el("span", { class: "muted" }, ` ${emailsOf(contact)} · ${phonesOf(contact)}`),
          reasons?.length ? el("span", { class: "tag" }, `same ${reasons.join(", ")}`) : "",
        ),
      );
    }

    const heading = el("h3", {}, `Merge duplicates into ${nameOf(survivor)}`);
    const intro = el(
      "p",
      { class: "muted" },
      `${nameOf(survivor)} is kept. The contacts you pick give it their channels, chats, calls, emails and phones; values that differ become conflicts to settle. You can undo the merge.`,
    );
    panel.replaceChildren(heading, intro, alert, el("div", { class: "loading" }, "Looking for duplicates…"));
    let suggestions = [];
    try {
      suggestions = (await api("GET", "omnichannel/contacts.duplicates", { contactId: survivor._id }))
        .contacts;
    } catch (error) {
      alert.textContent = CC.errorText(error);
      alert.hidden = false;
    }
    candidates.replaceChildren(
      ...(suggestions.length
        ? suggestions.map((contact) => candidate(contact, contact.matchedOn))
        : [el("li", { class: "muted" }, "No contact shares an email, a phone or the name.")]),
    );
    search.addEventListener(
      "input",
      Omnidesk.debounce(async () => {
        const text = search.value.trim();
        if (!text) return found.replaceChildren();
        const { contacts } = await api("GET", "omnichannel/contacts.search", { searchText: text, count: 10 });
        found.replaceChildren(
          ...contacts.filter((contact) => contact._id !== survivor._id).map((contact) => candidate(contact)),
        );
      }, 300),
    );
    previewButton.addEventListener("click", () => showPreview().catch(showError));
    panel.replaceChildren(
      heading,
      intro,
      alert,
      el("h4", {}, "Suggested"),
      candidates,
      el("label", { class: "search-field" }, search),
      found,
      el("div", { class: "row" }, previewButton, cancel),
      preview,
    );

    function showError(error) {
      alert.textContent = CC.errorText(error);
      alert.hidden = false;
    }

    async function showPreview() {
      alert.hidden = true;
      const mergeWith = [...chosen.keys()];
      const body = { contactId: survivor._id, mergeWith, preview: true };
      const { preview: shown } = await api("POST", "omnichannel/contacts.merge", body);
      const columns = [...shown.contacts, { ...shown.result, result: true }];
      const counts = shown.counts.byContact;
      const rows = [
        ["Name", (contact) => contact.name || "—"],
        ["Emails", emailsOf],
        ["Phones", phonesOf],
        ["Custom fields", fieldsOf],
        [
          "Channels, chats, calls",
          (contact) => {
            const own = contact.result ? shown.counts.total : counts[contact._id];
            return `${own.channels}, ${own.rooms}, ${own.calls}`;
          },
        ],
      ];
      const table = el(
        "table",
        { class: "cc-merge-table" },
        el(
          "thead",
          {},
          el(
            "tr",
            {},
            el("th", { scope: "col" }, ""),
            ...columns.map((contact, index) =>
              el(
                "th",
                { scope: "col" },
                contact.result
                  ? "After the merge"
                  : index === 0
                    ? `${nameOf(contact)} (kept)`
                    : nameOf(contact),
              ),
            ),
          ),
        ),
        el(
          "tbody",
          {},
          ...rows.map(([label, value]) =>
            el(
              "tr",
              {},
              el("th", { scope: "row" }, label),
              ...columns.map((contact) =>
                el("td", { class: contact.result ? "cc-merge-result" : "" }, value(contact)),
              ),
            ),
          ),
        ),
      );
      const conflicts = shown.conflicts.length
        ? el(
            "p",
            { class: "alert alert-warn" },
            `Kept as conflicts to settle: ${shown.conflicts.map((c) => `${c.field.replace(/^customFields\./, "")} “${c.value}”`).join(", ")}`,
          )
        : "";
      const merge = el(
        "button",
        { type: "button", class: "button primary" },
        `Merge ${chosen.size} into ${nameOf(survivor)}`,
      );
      merge.addEventListener("click", async () => {
        merge.disabled = true;
        try {
          const result = await api("POST", "omnichannel/contacts.merge", {
            contactId: survivor._id,
            mergeWith,
          });
          toast(`Merged into ${nameOf(survivor)}`);
          done(survivor._id, result.mergeId);
        } catch (error) {
          merge.disabled = false;
          showError(error);
        }
      });
      preview.replaceChildren(el("div", { class: "table-wrap" }, table), conflicts, merge);
    }
  }

  async function undo(mergeId) {
    const confirmed = await CC.confirmDialog({
      title: "Undo this merge?",
      message: "Each contact gets back its own details, channels, chats and calls.",
      confirmLabel: "Undo merge",
    });
    if (!confirmed) return false;
    await api("POST", "omnichannel/contacts.unmerge", { mergeId });
    toast("Merge undone");
    return true;
  }

  const ACTIONS = {
    created: "Created",
    updated: "Edited",
    conflicts_resolved: "Conflicts settled",
    deleted: "Deleted",
    blocked: "Channel blocked",
    unblocked: "Channel unblocked",
    merged: "Merged",
    unmerged: "Merge undone",
    exported: "Data exported",
  };

  // The contact's history of changes (the API gives the newest first); a merge offers its undo.
  async function renderAudit(panel, contact, { changed }) {
    panel.replaceChildren(el("div", { class: "loading" }, "Loading changes…"));
    let entries;
    try {
      entries = (await api("GET", "omnichannel/contacts.audit", { contactId: contact._id, count: 100 }))
        .audit;
    } catch (error) {
      panel.replaceChildren(el("p", { class: "alert alert-error" }, CC.errorText(error)));
      return;
    }
    const items = entries.map((entry) => {
      const fields = Object.keys(entry.changes || {}).filter((key) => !["merge", "unmerge"].includes(key));
      const who = entry.user
        ? entry.user.username
        : entry.action === "merged"
          ? "automatic (same verified identity)"
          : "system";
      const item = el(
        "li",
        { class: "cc-audit-entry" },
        el("strong", {}, ACTIONS[entry.action] || entry.action),
        el("span", { class: "muted" }, " ", CC.when(entry.ts), ` · ${who}`),
        fields.length ? el("div", { class: "muted" }, fields.join(", ")) : "",
      );
      const mergeId = entry.changes?.merge?.new?.mergeId;
      if (entry.action === "merged" && mergeId && CC.can("merge-livechat-contacts")) {
        const button = el("button", { type: "button", class: "button small" }, "Undo merge");
        button.addEventListener("click", async () => {
          try {
            if (await undo(mergeId)) changed();
          } catch (error) {
            CC.fail(error);
          }
        });
        item.append(button);
      }
      return item;
    });
    panel.replaceChildren(
      items.length
        ? el("ul", { class: "cc-audit" }, ...items)
        : el("p", { class: "muted" }, "No changes recorded."),
    );
  }

  return { open, undo, renderAudit };
})();
