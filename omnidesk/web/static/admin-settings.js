// The omnichannel settings: one form, saved setting by setting (only what changed) through the API.
"use strict";

(() => {
  const { api, toast } = Omnidesk;
  const form = document.getElementById("settings-form");
  const status = document.getElementById("settings-status");
  const errorBox = document.getElementById("settings-error");
  const inputs = [...form.querySelectorAll("[data-setting]")];

  function settingValue(input) {
    switch (input.dataset.kind) {
      case "boolean":
        return input.checked;
      case "int":
        return input.value === "" ? null : Number(input.value);
      default:
        return input.value;
    }
  }

  function changed(input) {
    if (input.dataset.kind === "password") return input.value !== "";
    const initial = input.dataset.initial;
    if (input.dataset.kind === "boolean") return String(input.checked) !== initial;
    // The browser lower-cases a colour input's value.
    if (input.dataset.kind === "color") return input.value.toLowerCase() !== initial.toLowerCase();
    return input.value !== initial;
  }

  function refreshStatus() {
    const count = inputs.filter(changed).length;
    status.textContent = count ? `${count} unsaved ${count === 1 ? "change" : "changes"}` : "";
  }
  form.addEventListener("input", refreshStatus);
  form.addEventListener("change", refreshStatus);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errorBox.hidden = true;
    const pending = inputs.filter(changed);
    if (!pending.length) {
      toast("Nothing to save.");
      return;
    }
    const button = document.getElementById("save-settings");
    button.disabled = true;
    const failures = [];
    for (const input of pending) {
      try {
        await api("POST", `settings/${encodeURIComponent(input.dataset.setting)}`, {
          value: settingValue(input),
        });
        if (input.dataset.kind === "password") input.value = "";
        else input.dataset.initial = input.dataset.kind === "boolean" ? String(input.checked) : input.value;
      } catch (error) {
        const label =
          form.querySelector(`label[for="${input.id}"]`)?.textContent ||
          input.closest("label")?.textContent ||
          input.dataset.setting;
        failures.push(`${label.trim()}: ${error.message}`);
      }
    }
    button.disabled = false;
    refreshStatus();
    if (failures.length) {
      errorBox.textContent = failures.join(" · ");
      errorBox.hidden = false;
    } else {
      toast("Settings saved.");
      status.textContent = "All changes saved.";
    }
  });
})();
