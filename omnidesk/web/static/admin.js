// Helpers the administration pages share: tables filled from the API, form dialogs that show the
// server's error, and a confirmation dialog. User data always goes through Omnidesk.el (text nodes).
"use strict";

// biome-ignore lint/correctness/noUnusedVariables: the global the admin pages' scripts use
const Admin = (() => {
  const { el } = Omnidesk;

  // Fill a <tbody> with one row per item; `columns` are functions item -> cell content, or
  // {cell: function, class: "hide-narrow"} for a cell with a class.
  function fillTable(tbody, items, columns, emptyText) {
    const width = tbody.closest("table").querySelectorAll("thead th").length;
    tbody.closest("table").setAttribute("aria-busy", "false");
    if (!items.length) {
      tbody.replaceChildren(el("tr", {}, el("td", { colspan: width, class: "empty-state" }, emptyText)));
      return;
    }
    const cell = (column, item) =>
      typeof column === "function"
        ? el("td", {}, column(item))
        : el("td", { class: column.class }, column.cell(item));
    tbody.replaceChildren(
      ...items.map((item) => el("tr", {}, ...columns.map((column) => cell(column, item)))),
    );
  }

  function loadingRow(tbody, text = "Loading…") {
    const width = tbody.closest("table").querySelectorAll("thead th").length;
    tbody.closest("table").setAttribute("aria-busy", "true");
    tbody.replaceChildren(el("tr", {}, el("td", { colspan: width, class: "loading" }, text)));
  }

  function errorRow(tbody, error) {
    const width = tbody.closest("table").querySelectorAll("thead th").length;
    tbody.replaceChildren(
      el("tr", {}, el("td", { colspan: width, class: "alert alert-error" }, error.message)),
    );
  }

  function showError(form, error) {
    const alert = form.querySelector(".alert-error");
    if (!alert) return;
    alert.textContent = error ? error.message : "";
    alert.hidden = !error;
  }

  // A <dialog> holding one <form>: `fill(form)` before opening, `save(form)` on submit (throw to show
  // the error in the form's .alert-error and keep the dialog open).
  function formDialog(dialog, { title, fill, save }) {
    const form = dialog.querySelector("form");
    form.reset();
    showError(form, null);
    if (title) dialog.querySelector("h2").textContent = title;
    if (fill) fill(form);
    form.onsubmit = async (event) => {
      event.preventDefault();
      const button = form.querySelector("[type=submit]");
      button.disabled = true;
      try {
        await save(form);
        dialog.close();
      } catch (error) {
        showError(form, error);
      } finally {
        button.disabled = false;
      }
    };
    dialog.showModal();
    const first = form.querySelector("input:not([type=hidden]):not([disabled]), select, textarea");
    if (first) first.focus();
  }

  function confirm(text, action = "Confirm") {
    const dialog = document.getElementById("confirm-dialog");
    document.getElementById("confirm-text").textContent = text;
    document.getElementById("confirm-ok").textContent = action;
    return new Promise((resolve) => {
      const form = dialog.querySelector("form");
      form.onsubmit = (event) => {
        event.preventDefault();
        dialog.close("ok");
      };
      dialog.onclose = () => resolve(dialog.returnValue === "ok");
      dialog.returnValue = "";
      dialog.showModal();
    });
  }

  for (const dialog of document.querySelectorAll("dialog")) {
    const cancel = dialog.querySelector("[data-cancel]");
    if (cancel) cancel.addEventListener("click", () => dialog.close());
  }

  // A table cell's text on one line, cut short with an ellipsis past the column's width; the whole text
  // shows on hover. Long names and addresses would otherwise widen the table past the page and push
  // the row's buttons out of sight.
  const clipped = (text) => el("span", { class: "clipped", title: text }, text);

  const yes = (value) =>
    value ? el("span", { class: "tag ok" }, "Yes") : el("span", { class: "tag" }, "No");

  // A row's Edit and Delete buttons, labelled with what they act on.
  function editAndDelete(name, edit, remove) {
    const button = (text, extra, onclick) =>
      el(
        "button",
        { type: "button", class: `button small${extra}`, "aria-label": `${text} ${name}`, onclick },
        text,
      );
    return el("div", { class: "actions" }, button("Edit", "", edit), button("Delete", " danger", remove));
  }

  function copyButton(text, label) {
    return el(
      "button",
      {
        type: "button",
        class: "button small",
        "aria-label": label,
        onclick: async () => {
          try {
            await navigator.clipboard.writeText(text);
            Omnidesk.toast("Copied.");
          } catch {
            Omnidesk.toast("Select the text and copy it.", "error");
          }
        },
      },
      "Copy",
    );
  }

  return {
    fillTable,
    loadingRow,
    errorRow,
    formDialog,
    confirm,
    showError,
    clipped,
    yes,
    copyButton,
    editAndDelete,
  };
})();
