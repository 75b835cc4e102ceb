// SLAs: list, create or edit (name, description, due time in minutes), delete.
"use strict";

(() => {
  const { api, el, toast } = Omnidesk;
  const rows = document.getElementById("rows");
  const dialog = document.getElementById("edit-dialog");

  const minutes = (value) =>
    value % 60 === 0
      ? `${value / 60} h`
      : value > 60
        ? `${Math.floor(value / 60)} h ${value % 60} min`
        : `${value} min`;

  async function load() {
    Admin.loadingRow(rows);
    let data;
    try {
      data = await api("GET", "livechat/sla", { count: 500, sort: JSON.stringify({ dueTimeInMinutes: 1 }) });
    } catch (error) {
      Admin.errorRow(rows, error);
      return;
    }
    Admin.fillTable(
      rows,
      data.sla,
      [
        (sla) => el("span", { class: "tag info" }, sla.name),
        { class: "hide-narrow", cell: (sla) => sla.description || "" },
        (sla) => minutes(sla.dueTimeInMinutes),
        (sla) =>
          Admin.editAndDelete(
            sla.name,
            () => open(sla),
            () => remove(sla),
          ),
      ],
      "No SLAs yet. An SLA sets the minutes within which a chat is to be answered.",
    );
  }

  function open(sla) {
    Admin.formDialog(dialog, {
      title: sla ? `Edit ${sla.name}` : "New SLA",
      fill: (form) => {
        form.elements.name.value = sla?.name || "";
        form.elements.description.value = sla?.description || "";
        form.elements.due.value = sla ? String(sla.dueTimeInMinutes) : "";
      },
      save: async (form) => {
        const body = {
          name: form.elements.name.value.trim(),
          description: form.elements.description.value.trim(),
          dueTimeInMinutes: Number.parseInt(form.elements.due.value, 10),
        };
        if (sla) await api("PUT", `livechat/sla/${encodeURIComponent(sla._id)}`, body);
        else await api("POST", "livechat/sla", body);
        toast(sla ? "SLA saved." : `SLA ${body.name} created.`);
        load();
      },
    });
  }

  async function remove(sla) {
    if (
      !(await Admin.confirm(`Delete the SLA ${sla.name}? Open chats that have it will have none.`, "Delete"))
    )
      return;
    try {
      await api("DELETE", `livechat/sla/${encodeURIComponent(sla._id)}`);
      toast(`SLA ${sla.name} deleted.`);
    } catch (error) {
      toast(error.message, "error");
    }
    load();
  }

  document.getElementById("new").addEventListener("click", () => open(null));
  load();
})();
