// Departments: list, create or edit (with their agents), delete.
"use strict";

(() => {
  const { api, el, toast } = Omnidesk;
  const rows = document.getElementById("rows");
  const dialog = document.getElementById("edit-dialog");
  let agents = [];

  async function loadAgents() {
    try {
      agents = (await api("GET", "livechat/users/agent", { count: 500, sort: JSON.stringify({ name: 1 }) }))
        .users;
    } catch {
      agents = [];
    }
  }

  // The SLA a department gives its new chats; the field is left out when SLAs cannot be read.
  let slas = null;
  async function loadSlas() {
    try {
      slas = (await api("GET", "livechat/sla", { count: 500, sort: JSON.stringify({ dueTimeInMinutes: 1 }) }))
        .sla;
    } catch {
      slas = null;
    }
    document.getElementById("sla-field").hidden = slas === null;
  }

  function slaChoices(form, selected) {
    form.elements.slaId.replaceChildren(
      el("option", { value: "" }, "No SLA"),
      ...(slas || []).map((sla) =>
        el(
          "option",
          { value: sla._id, selected: sla._id === selected },
          `${sla.name} (${sla.dueTimeInMinutes} min)`,
        ),
      ),
    );
  }

  async function load() {
    Admin.loadingRow(rows);
    let data;
    try {
      data = await api("GET", "livechat/department", { count: 500, sort: JSON.stringify({ name: 1 }) });
    } catch (error) {
      Admin.errorRow(rows, error);
      return;
    }
    Admin.fillTable(
      rows,
      data.departments,
      [
        (department) => el("strong", {}, department.name),
        { class: "hide-narrow", cell: (department) => department.email || "" },
        (department) => String(department.numAgents),
        { class: "hide-narrow", cell: (department) => Admin.yes(department.enabled) },
        (department) =>
          Admin.editAndDelete(
            department.name,
            () => edit(department),
            () => remove(department),
          ),
      ],
      "No departments yet. Departments route chats to the agents who serve them.",
    );
  }

  function agentChoices(selected) {
    const holder = document.getElementById("agent-choices");
    if (!agents.length) {
      holder.replaceChildren(el("p", { class: "muted" }, "No agents yet: add them on the Agents page."));
      return;
    }
    holder.replaceChildren(
      ...agents.map((agent) =>
        el(
          "label",
          { class: "check" },
          el("input", {
            type: "checkbox",
            name: "agents",
            value: agent._id,
            checked: selected.has(agent._id),
          }),
          `${agent.name || agent.username} (@${agent.username})`,
        ),
      ),
    );
  }

  function fields(form) {
    return {
      name: form.elements.name.value.trim(),
      email: form.elements.email.value.trim(),
      description: form.elements.description.value,
      enabled: form.elements.enabled.checked,
      showOnRegistration: form.elements.showOnRegistration.checked,
      showOnOfflineForm: form.elements.showOnOfflineForm.checked,
      requestTagBeforeClosingChat: form.elements.requestTagBeforeClosingChat.checked,
      chatClosingTags: form.elements.chatClosingTags.value
        .split(",")
        .map((tag) => tag.trim())
        .filter(Boolean),
      ...(slas === null ? {} : { slaId: form.elements.slaId.value }),
    };
  }

  const chosen = (form) => [...form.querySelectorAll("input[name=agents]:checked")].map((box) => box.value);

  document.getElementById("new").addEventListener("click", async () => {
    await agentsReady;
    Admin.formDialog(dialog, {
      title: "New department",
      fill: (form) => {
        agentChoices(new Set());
        slaChoices(form, "");
      },
      save: async (form) => {
        const department = fields(form);
        await api("POST", "livechat/department", {
          department,
          agents: chosen(form).map((agentId) => ({ agentId })),
        });
        toast(`Department ${department.name} created.`);
        load();
      },
    });
  });

  async function edit(department) {
    await agentsReady;
    let members = new Set();
    try {
      const data = await api("GET", `livechat/department/${encodeURIComponent(department._id)}/agents`, {
        count: 500,
      });
      members = new Set(data.agents.map((row) => row.agentId));
    } catch (error) {
      toast(error.message, "error");
      return;
    }
    Admin.formDialog(dialog, {
      title: `Edit ${department.name}`,
      fill: (form) => {
        form.elements.name.value = department.name;
        form.elements.email.value = department.email || "";
        form.elements.description.value = department.description || "";
        form.elements.enabled.checked = department.enabled;
        form.elements.showOnRegistration.checked = department.showOnRegistration;
        form.elements.showOnOfflineForm.checked = department.showOnOfflineForm;
        form.elements.requestTagBeforeClosingChat.checked = department.requestTagBeforeClosingChat;
        form.elements.chatClosingTags.value = (department.chatClosingTags || []).join(", ");
        agentChoices(members);
        slaChoices(form, department.slaId || "");
      },
      save: async (form) => {
        const id = encodeURIComponent(department._id);
        await api("PUT", `livechat/department/${id}`, { department: fields(form) });
        const now = new Set(chosen(form));
        const upsert = [...now].filter((agentId) => !members.has(agentId)).map((agentId) => ({ agentId }));
        const remove = [...members].filter((agentId) => !now.has(agentId)).map((agentId) => ({ agentId }));
        if (upsert.length || remove.length)
          await api("POST", `livechat/department/${id}/agents`, { upsert, remove });
        toast("Department saved.");
        load();
      },
    });
  }

  async function remove(department) {
    if (
      !(await Admin.confirm(
        `Delete the department ${department.name}? Its chats keep no department.`,
        "Delete",
      ))
    )
      return;
    try {
      await api("DELETE", `livechat/department/${encodeURIComponent(department._id)}`);
      toast(`Department ${department.name} deleted.`);
    } catch (error) {
      toast(error.message, "error");
    }
    load();
  }

  const agentsReady = Promise.all([loadAgents(), loadSlas()]);
  load();
})();
