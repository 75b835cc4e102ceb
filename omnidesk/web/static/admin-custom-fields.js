// Custom fields of contacts and chats: list, create or edit, delete.
"use strict";

(() => {
  const { api, el, toast } = Omnidesk;
  const rows = document.getElementById("rows");
  const dialog = document.getElementById("edit-dialog");
  const form = dialog.querySelector("form");
  const SCOPES = { visitor: "Contacts", room: "Chats" };

  const syncOptions = () =>
    (document.getElementById("options-field").hidden = form.elements.type.value !== "select");
  form.elements.type.addEventListener("change", syncOptions);

  async function load() {
    Admin.loadingRow(rows);
    let data;
    try {
      data = await api("GET", "livechat/custom-fields", { count: 500, sort: JSON.stringify({ label: 1 }) });
    } catch (error) {
      Admin.errorRow(rows, error);
      return;
    }
    Admin.fillTable(
      rows,
      data.customFields,
      [
        (field) => el("strong", {}, field.label),
        { class: "hide-narrow", cell: (field) => el("code", { class: "mono" }, field._id) },
        (field) => SCOPES[field.scope] || field.scope,
        {
          class: "hide-narrow",
          cell: (field) => (field.type === "select" ? `List: ${field.options || ""}` : "Text"),
        },
        { class: "hide-narrow", cell: (field) => Admin.yes(field.required) },
        (field) => Admin.yes(field.searchable),
        (field) =>
          Admin.editAndDelete(
            field.label,
            () => edit(field),
            () => remove(field),
          ),
      ],
      "No custom fields yet. Add fields to keep more about contacts and chats.",
    );
  }

  function data(form) {
    const type = form.elements.type.value;
    return {
      field: form.elements.field.value.trim(),
      label: form.elements.label.value.trim(),
      scope: form.elements.scope.value,
      visibility: form.elements.visible.checked ? "visible" : "hidden",
      type,
      options:
        type === "select"
          ? form.elements.options.value
              .split(",")
              .map((o) => o.trim())
              .filter(Boolean)
              .join(",")
          : "",
      regexp: form.elements.regexp.value.trim(),
      defaultValue: form.elements.defaultValue.value,
      required: form.elements.required.checked,
      public: form.elements.public.checked,
      searchable: form.elements.searchable.checked,
    };
  }

  document.getElementById("new").addEventListener("click", () => {
    Admin.formDialog(dialog, {
      title: "New custom field",
      fill: (form) => {
        form.elements.field.disabled = false;
        syncOptions();
      },
      save: async (form) => {
        const customFieldData = data(form);
        await api("POST", "livechat/custom-fields.save", { customFieldData });
        toast(`Custom field ${customFieldData.label} created.`);
        load();
      },
    });
  });

  function edit(field) {
    Admin.formDialog(dialog, {
      title: `Edit ${field.label}`,
      fill: (form) => {
        form.elements.field.value = field._id;
        form.elements.field.disabled = true; // a key never changes: values are stored under it
        form.elements.label.value = field.label;
        form.elements.scope.value = field.scope;
        form.elements.type.value = field.type || "input";
        form.elements.options.value = field.options || "";
        form.elements.regexp.value = field.regexp || "";
        form.elements.defaultValue.value = field.defaultValue || "";
        form.elements.required.checked = Boolean(field.required);
        form.elements.visible.checked = field.visibility !== "hidden";
        form.elements.public.checked = Boolean(field.public);
        form.elements.searchable.checked = Boolean(field.searchable);
        syncOptions();
      },
      save: async (form) => {
        const customFieldData = { ...data(form), field: field._id };
        await api("POST", "livechat/custom-fields.save", { customFieldId: field._id, customFieldData });
        toast("Custom field saved.");
        load();
      },
    });
  }

  async function remove(field) {
    if (
      !(await Admin.confirm(
        `Delete the custom field ${field.label}? Values already saved stay on their contacts and chats.`,
        "Delete",
      ))
    )
      return;
    try {
      await api("POST", "livechat/custom-fields.delete", { customFieldId: field._id });
      toast(`Custom field ${field.label} deleted.`);
    } catch (error) {
      toast(error.message, "error");
    }
    load();
  }

  load();
})();
