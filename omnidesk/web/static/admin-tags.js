// Tags: list, create or edit (optionally limited to departments), delete.
"use strict";

(() => {
  const { api, el, toast } = Omnidesk;
  const rows = document.getElementById("rows");
  const dialog = document.getElementById("edit-dialog");
  let departments = [];

  async function loadDepartments() {
    try {
      departments = (
        await api("GET", "livechat/department", { count: 500, sort: JSON.stringify({ name: 1 }) })
      ).departments;
    } catch {
      departments = [];
    }
  }

  const departmentName = (id) => departments.find((department) => department._id === id)?.name || id;

  async function load() {
    Admin.loadingRow(rows);
    let data;
    try {
      data = await api("GET", "livechat/tags", {
        count: 500,
        viewAll: "true",
        sort: JSON.stringify({ name: 1 }),
      });
    } catch (error) {
      Admin.errorRow(rows, error);
      return;
    }
    Admin.fillTable(
      rows,
      data.tags,
      [
        (tag) => el("span", { class: "tag info" }, tag.name),
        { class: "hide-narrow", cell: (tag) => tag.description || "" },
        (tag) =>
          tag.departments.length
            ? tag.departments.map((id) => el("span", { class: "tag" }, departmentName(id)))
            : el("span", { class: "muted" }, "All departments"),
        (tag) =>
          Admin.editAndDelete(
            tag.name,
            () => edit(tag),
            () => remove(tag),
          ),
      ],
      "No tags yet. Tags let agents classify chats; reports and filters use them.",
    );
  }

  function departmentChoices(selected) {
    const holder = document.getElementById("department-choices");
    if (!departments.length) {
      holder.replaceChildren(el("p", { class: "muted" }, "No departments yet."));
      return;
    }
    holder.replaceChildren(
      ...departments.map((department) =>
        el(
          "label",
          { class: "check" },
          el("input", {
            type: "checkbox",
            name: "departments",
            value: department._id,
            checked: selected.includes(department._id),
          }),
          department.name,
        ),
      ),
    );
  }

  function open(tag) {
    Admin.formDialog(dialog, {
      title: tag ? `Edit ${tag.name}` : "New tag",
      fill: (form) => {
        form.elements.name.value = tag?.name || "";
        form.elements.description.value = tag?.description || "";
        departmentChoices(tag?.departments || []);
      },
      save: async (form) => {
        const body = {
          tagData: {
            name: form.elements.name.value.trim(),
            description: form.elements.description.value.trim(),
          },
          tagDepartments: [...form.querySelectorAll("input[name=departments]:checked")].map(
            (box) => box.value,
          ),
        };
        if (tag) body._id = tag._id;
        await api("POST", "livechat/tags.save", body);
        toast(tag ? "Tag saved." : `Tag ${body.tagData.name} created.`);
        load();
      },
    });
  }

  const edit = async (tag) => {
    await ready;
    open(tag);
  };

  async function remove(tag) {
    if (
      !(await Admin.confirm(`Delete the tag ${tag.name}? Chats keep the tags they already have.`, "Delete"))
    )
      return;
    try {
      await api("POST", "livechat/tags.delete", { id: tag._id });
      toast(`Tag ${tag.name} deleted.`);
    } catch (error) {
      toast(error.message, "error");
    }
    load();
  }

  const ready = loadDepartments();
  document.getElementById("new").addEventListener("click", () => edit(null));
  ready.then(load);
})();
