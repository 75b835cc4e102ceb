// Canned responses: list and search, create or edit (shared with me, a department or everyone), delete.
// Agents keep their own here; who may change which is the server's rule, mirrored to show the buttons.
"use strict";

(() => {
  const { api, el, toast, debounce, meta } = Omnidesk;
  const section = document.getElementById("canned");
  const may = {
    save: section.dataset.canSave === "true",
    saveAll: section.dataset.canSaveAll === "true",
    saveDepartment: section.dataset.canSaveDepartment === "true",
    remove: section.dataset.canRemove === "true",
  };
  const me = meta("user-id");
  const rows = document.getElementById("rows");
  const dialog = document.getElementById("edit-dialog");
  const form = dialog.querySelector("form");
  const PAGE = 25;
  let offset = 0;
  // The caller's departments (every department for those who supervise them), as the server counts them.
  let departments = [];

  async function loadDepartments() {
    try {
      departments = (
        await api("GET", "livechat/department", {
          onlyMyDepartments: "true",
          count: 500,
          sort: JSON.stringify({ name: 1 }),
        })
      ).departments;
    } catch {
      departments = [];
    }
  }

  const departmentName = (id) => departments.find((department) => department._id === id)?.name || id;

  function sharedWith(response) {
    if (response.scope === "global") return el("span", { class: "tag info" }, "Everyone");
    if (response.scope === "department") return `Department ${departmentName(response.departmentId)}`;
    return response.userId === me ? "Only me" : `Only ${response.createdBy.username}`;
  }

  function mayChange(response) {
    if (may.saveAll) return true;
    if (response.scope === "global") return false;
    if (response.scope === "department")
      return may.saveDepartment && departments.some((d) => d._id === response.departmentId);
    return response.userId === me;
  }

  function actions(response) {
    if (!mayChange(response) || !may.save) return "";
    if (!may.remove)
      return el(
        "button",
        {
          type: "button",
          class: "button small",
          "aria-label": `Edit !${response.shortcut}`,
          onclick: () => open(response),
        },
        "Edit",
      );
    return Admin.editAndDelete(
      `!${response.shortcut}`,
      () => open(response),
      () => remove(response),
    );
  }

  const preview = (text) => (text.length > 90 ? `${text.slice(0, 90)}…` : text);

  async function load() {
    Admin.loadingRow(rows);
    let data;
    try {
      data = await api("GET", "canned-responses", {
        text: document.getElementById("search").value.trim(),
        count: PAGE,
        offset,
      });
    } catch (error) {
      Admin.errorRow(rows, error);
      return;
    }
    Admin.fillTable(
      rows,
      data.cannedResponses,
      [
        (response) => el("code", {}, `!${response.shortcut}`),
        { class: "hide-narrow", cell: (response) => preview(response.text) },
        sharedWith,
        {
          class: "hide-narrow",
          cell: (response) => response.tags.map((tag) => el("span", { class: "tag" }, tag)),
        },
        actions,
      ],
      offset ? "No more results." : "No canned responses yet.",
    );
    document.getElementById("page-info").textContent = data.total
      ? `${offset + 1}–${offset + data.cannedResponses.length} of ${data.total}`
      : "";
    document.getElementById("prev").disabled = offset === 0;
    document.getElementById("next").disabled = offset + data.cannedResponses.length >= data.total;
  }

  function showDepartment() {
    form.querySelector("[data-for=department]").hidden = form.elements.scope.value !== "department";
  }
  form.elements.scope.addEventListener("change", showDepartment);

  function open(response) {
    Admin.formDialog(dialog, {
      title: response ? `Edit !${response.shortcut}` : "New canned response",
      fill: (f) => {
        const scopes = f.elements.scope;
        scopes.querySelector("[value=global]").disabled = !may.saveAll;
        scopes.querySelector("[value=department]").disabled = !(may.saveAll || may.saveDepartment);
        f.elements.departmentId.replaceChildren(
          ...departments.map((department) => el("option", { value: department._id }, department.name)),
        );
        f.elements.shortcut.value = response?.shortcut || "";
        f.elements.text.value = response?.text || "";
        scopes.value = response?.scope || "user";
        if (response?.departmentId) f.elements.departmentId.value = response.departmentId;
        f.elements.tags.value = (response?.tags || []).join(", ");
        showDepartment();
      },
      save: async (f) => {
        const body = {
          shortcut: f.elements.shortcut.value.trim(),
          text: f.elements.text.value,
          scope: f.elements.scope.value,
          tags: f.elements.tags.value
            .split(",")
            .map((tag) => tag.trim())
            .filter(Boolean),
        };
        if (body.scope === "department") body.departmentId = f.elements.departmentId.value;
        if (response) body._id = response._id;
        await api("POST", "canned-responses", body);
        toast(response ? "Canned response saved." : `Canned response !${body.shortcut} created.`);
        load();
      },
    });
  }

  async function remove(response) {
    if (!(await Admin.confirm(`Delete the canned response !${response.shortcut}?`, "Delete"))) return;
    try {
      await api("DELETE", `canned-responses/${encodeURIComponent(response._id)}`);
      toast(`Canned response !${response.shortcut} deleted.`);
    } catch (error) {
      toast(error.message, "error");
    }
    load();
  }

  const ready = loadDepartments();
  document.getElementById("new")?.addEventListener("click", () => ready.then(() => open(null)));
  document.getElementById("search").addEventListener(
    "input",
    debounce(() => {
      offset = 0;
      load();
    }),
  );
  document.getElementById("prev").addEventListener("click", () => {
    offset = Math.max(0, offset - PAGE);
    load();
  });
  document.getElementById("next").addEventListener("click", () => {
    offset += PAGE;
    load();
  });
  ready.then(load);
})();
