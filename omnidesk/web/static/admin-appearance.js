// The widget's appearance: one form over livechat/appearance, read once and saved in one request
// (only what changed), which the server takes whole or refuses whole.
"use strict";

(() => {
  const { api, toast } = Omnidesk;
  const form = document.getElementById("appearance-form");
  const status = document.getElementById("appearance-status");
  const errorBox = document.getElementById("appearance-error");
  const inputs = [...form.querySelectorAll("[data-setting]")];
  let saved = {};

  function read(input) {
    switch (input.dataset.kind) {
      case "boolean":
        return input.checked;
      case "int":
        return input.value === "" ? 0 : Number(input.value);
      case "multi":
        return [...input.querySelectorAll("input:checked")].map((box) => box.value);
      case "color":
        return input.value.toUpperCase();
      default:
        return input.value;
    }
  }

  function write(input, value) {
    switch (input.dataset.kind) {
      case "boolean":
        input.checked = Boolean(value);
        break;
      case "multi":
        for (const box of input.querySelectorAll("input")) box.checked = (value || []).includes(box.value);
        break;
      case "color":
        // A colour input holds #rrggbb only: a short or translucent colour shows as black until changed.
        input.value = /^#[0-9a-fA-F]{6}$/.test(value || "") ? value : "#000000";
        break;
      default:
        input.value = value ?? "";
    }
  }

  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  const changed = () =>
    inputs.filter((input) => !same(read(input), normalised(input, saved[input.dataset.setting])));
  function normalised(input, value) {
    if (input.dataset.kind === "color") return String(value || "").toUpperCase();
    if (input.dataset.kind === "multi") return [...(value || [])].sort();
    return value;
  }

  function refreshStatus() {
    const count = changed().length;
    status.textContent = count ? `${count} unsaved ${count === 1 ? "change" : "changes"}` : "";
  }

  async function load() {
    try {
      const data = await api("GET", "livechat/appearance");
      saved = Object.fromEntries(data.appearance.map((setting) => [setting._id, setting.value]));
      for (const input of inputs) write(input, saved[input.dataset.setting]);
      saved.Livechat_hide_system_messages = [...(saved.Livechat_hide_system_messages || [])].sort();
      form.setAttribute("aria-busy", "false");
    } catch (error) {
      errorBox.textContent = error.message;
      errorBox.hidden = false;
    }
  }

  form.addEventListener("input", refreshStatus);
  form.addEventListener("change", refreshStatus);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errorBox.hidden = true;
    const pending = changed();
    if (!pending.length) {
      toast("Nothing to save.");
      return;
    }
    const button = document.getElementById("save-appearance");
    button.disabled = true;
    const body = pending.map((input) => ({ _id: input.dataset.setting, value: read(input) }));
    try {
      await api("POST", "livechat/appearance", body);
      for (const item of body)
        saved[item._id] = normalised(
          inputs.find((i) => i.dataset.setting === item._id),
          item.value,
        );
      refreshStatus();
      toast("Appearance saved.");
      status.textContent = "All changes saved.";
    } catch (error) {
      errorBox.textContent = error.message;
      errorBox.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
  load();
})();
