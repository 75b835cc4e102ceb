// Voice lines: phone numbers at Twilio, with the webhook addresses to give Twilio; create, edit, delete.
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
    const select = dialog.querySelector("select[name=departmentId]");
    select.append(
      ...departments.map((department) => el("option", { value: department._id }, department.name)),
    );
  }

  const departmentName = (id) =>
    id ? departments.find((department) => department._id === id)?.name || id : "";

  function urlRow(label, url) {
    return el(
      "div",
      { class: "url-row" },
      el("span", { class: "help" }, label),
      el("code", { class: "mono" }, url),
      Admin.copyButton(url, `Copy ${label.toLowerCase()} address`),
    );
  }

  async function load() {
    Admin.loadingRow(rows);
    let data;
    try {
      data = await api("GET", "omnichannel/voice.lines", { count: 100 });
    } catch (error) {
      Admin.errorRow(rows, error);
      return;
    }
    Admin.fillTable(
      rows,
      data.lines,
      [
        (line) => el("strong", {}, line.phoneNumber),
        (line) => line.queue,
        {
          class: "hide-narrow",
          cell: (line) => departmentName(line.departmentId) || el("span", { class: "muted" }, "—"),
        },
        {
          class: "hide-narrow",
          cell: (line) => [urlRow("Voice", line.webhookUrl), urlRow("Status", line.statusCallbackUrl)],
        },
        (line) =>
          Admin.editAndDelete(
            line.phoneNumber,
            () => open(line),
            () => remove(line),
          ),
      ],
      "No voice lines yet. Connect a Twilio number to take calls in the Contact Center.",
    );
  }

  function open(line) {
    Admin.formDialog(dialog, {
      title: line ? `Edit ${line.phoneNumber}` : "New voice line",
      fill: (form) => {
        form.elements.phoneNumber.value = line?.phoneNumber || "";
        form.elements.queue.value = line?.queue || "";
        form.elements.departmentId.value = line?.departmentId || "";
        form.elements.accountSid.value = line?.accountSid || "";
        form.elements.authToken.required = !line;
        form.elements.authToken.placeholder = line ? `${line.authToken} (leave empty to keep)` : "";
      },
      save: async (form) => {
        const body = {
          phoneNumber: form.elements.phoneNumber.value.trim(),
          queue: form.elements.queue.value.trim(),
          accountSid: form.elements.accountSid.value.trim(),
          departmentId: form.elements.departmentId.value || null,
        };
        const token = form.elements.authToken.value;
        if (token) body.authToken = token;
        if (line) {
          await api("PUT", `omnichannel/voice.lines/${encodeURIComponent(line._id)}`, body);
          toast("Voice line saved.");
        } else {
          await api("POST", "omnichannel/voice.lines", { ...body, provider: "twilio" });
          toast(`Voice line ${body.phoneNumber} created.`);
        }
        load();
      },
    });
  }

  async function remove(line) {
    if (
      !(await Admin.confirm(
        `Delete the voice line ${line.phoneNumber}? Its calls stay in the log; new calls to it are refused.`,
        "Delete",
      ))
    )
      return;
    try {
      await api("DELETE", `omnichannel/voice.lines/${encodeURIComponent(line._id)}`);
      toast(`Voice line ${line.phoneNumber} deleted.`);
    } catch (error) {
      toast(error.message, "error");
    }
    load();
  }

  const ready = loadDepartments();
  document.getElementById("new").addEventListener("click", async () => {
    await ready;
    open(null);
  });
  ready.then(load);
})();
