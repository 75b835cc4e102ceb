// Triggers: list, create or edit (one condition and one message, as Rocket.Chat's form), delete.
"use strict";

(() => {
  const { api, el, toast } = Omnidesk;
  const rows = document.getElementById("rows");
  const dialog = document.getElementById("edit-dialog");
  const form = dialog.querySelector("form");

  const CONDITION_TEXT = {
    "time-on-site": (value) => `After ${value} seconds on the site`,
    "page-url": (value) => `On pages matching ${value}`,
    "chat-opened-by-visitor": () => "When the visitor opens the chat",
    "after-guest-registration": () => "After the visitor registers",
  };
  const describe = (trigger) =>
    trigger.conditions.map((c) => (CONDITION_TEXT[c.name] || (() => c.name))(c.value)).join("; ");

  async function load() {
    Admin.loadingRow(rows);
    let data;
    try {
      data = await api("GET", "livechat/triggers", { count: 500 });
    } catch (error) {
      Admin.errorRow(rows, error);
      return;
    }
    Admin.fillTable(
      rows,
      data.triggers,
      [
        (trigger) => el("strong", {}, trigger.name),
        { class: "hide-narrow", cell: describe },
        (trigger) => Admin.yes(trigger.enabled),
        (trigger) =>
          Admin.editAndDelete(
            trigger.name,
            () => open(trigger),
            () => remove(trigger),
          ),
      ],
      "No triggers yet. A trigger greets visitors before they start a chat.",
    );
  }

  // Only the fields the chosen condition and sender use are shown.
  function showRelevant() {
    const condition = form.elements.condition.value;
    const sender = form.elements.sender.value;
    for (const label of form.querySelectorAll("[data-for]")) {
      label.hidden = ![condition, sender].includes(label.dataset.for);
    }
  }
  form.elements.condition.addEventListener("change", showRelevant);
  form.elements.sender.addEventListener("change", showRelevant);

  function open(trigger) {
    const condition = trigger?.conditions[0];
    const action = trigger?.actions[0];
    Admin.formDialog(dialog, {
      title: trigger ? `Edit ${trigger.name}` : "New trigger",
      fill: (f) => {
        f.elements.name.value = trigger?.name || "";
        f.elements.description.value = trigger?.description || "";
        f.elements.enabled.checked = trigger ? trigger.enabled : true;
        f.elements.runOnce.checked = Boolean(trigger?.runOnce);
        f.elements.condition.value = condition?.name || "time-on-site";
        f.elements.seconds.value = condition?.name === "time-on-site" ? condition.value : "10";
        f.elements.pattern.value = condition?.name === "page-url" ? condition.value : "";
        f.elements.sender.value = action?.params?.sender || "queue";
        f.elements.senderName.value = action?.params?.name || "";
        f.elements.msg.value = action?.params?.msg || "";
        showRelevant();
      },
      save: async (f) => {
        const name = f.elements.condition.value;
        const value =
          name === "time-on-site"
            ? f.elements.seconds.value
            : name === "page-url"
              ? f.elements.pattern.value
              : null;
        const params = { sender: f.elements.sender.value, msg: f.elements.msg.value };
        if (params.sender === "custom") params.name = f.elements.senderName.value;
        const body = {
          name: f.elements.name.value,
          description: f.elements.description.value,
          enabled: f.elements.enabled.checked,
          runOnce: f.elements.runOnce.checked,
          // The form edits the first condition and action; any others a client saved are kept.
          conditions: [{ name, value }, ...(trigger?.conditions.slice(1) || [])],
          actions: [{ name: "send-message", params }, ...(trigger?.actions.slice(1) || [])],
        };
        if (trigger) body._id = trigger._id;
        await api("POST", "livechat/triggers", body);
        toast(trigger ? "Trigger saved." : `Trigger ${body.name.trim()} created.`);
        load();
      },
    });
  }

  async function remove(trigger) {
    if (!(await Admin.confirm(`Delete the trigger ${trigger.name}?`, "Delete"))) return;
    try {
      await api("DELETE", `livechat/triggers/${encodeURIComponent(trigger._id)}`);
      toast(`Trigger ${trigger.name} deleted.`);
    } catch (error) {
      toast(error.message, "error");
    }
    load();
  }

  document.getElementById("new").addEventListener("click", () => open(null));
  load();
})();
