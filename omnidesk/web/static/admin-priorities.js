// Priorities: the five fixed levels, renamed in place or reset to their default names.
"use strict";

(() => {
  const { api, el, toast } = Omnidesk;
  const rows = document.getElementById("rows");
  const DEFAULT_NAMES = { Highest: "Highest", High: "High", Medium: "Medium", Low: "Low", Lowest: "Lowest" };
  const nameOf = (priority) => priority.name || DEFAULT_NAMES[priority.i18n] || priority.i18n;

  async function load() {
    Admin.loadingRow(rows);
    let data;
    try {
      data = await api("GET", "livechat/priorities", { count: 50, sort: JSON.stringify({ sortItem: 1 }) });
    } catch (error) {
      Admin.errorRow(rows, error);
      return;
    }
    document.getElementById("reset-all").disabled = !data.priorities.some((priority) => priority.dirty);
    Admin.fillTable(
      rows,
      data.priorities,
      [
        (priority) => String(priority.sortItem),
        (priority) => nameForm(priority),
        (priority) =>
          el(
            "div",
            { class: "actions" },
            priority.dirty
              ? el(
                  "button",
                  {
                    type: "button",
                    class: "button small",
                    "aria-label": `Reset ${nameOf(priority)}`,
                    onclick: () => reset(priority),
                  },
                  "Reset",
                )
              : el("span", { class: "muted" }, "Default name"),
          ),
      ],
      "No priorities.",
    );
  }

  function nameForm(priority) {
    const input = el("input", {
      name: "name",
      value: nameOf(priority),
      required: true,
      autocomplete: "off",
      "aria-label": `Name of priority ${priority.sortItem}`,
    });
    const save = el("button", { type: "submit", class: "button small primary" }, "Save");
    const form = el("form", { class: "row" }, input, save);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const name = input.value.trim();
      if (!name) return;
      save.disabled = true;
      try {
        await api("PUT", `livechat/priorities/${encodeURIComponent(priority._id)}`, { name });
        toast("Priority renamed.");
        load();
      } catch (error) {
        toast(error.message, "error");
        save.disabled = false;
      }
    });
    return form;
  }

  async function reset(priority) {
    try {
      await api("PUT", `livechat/priorities/${encodeURIComponent(priority._id)}`, { reset: true });
      toast("Priority reset.");
    } catch (error) {
      toast(error.message, "error");
    }
    load();
  }

  document.getElementById("reset-all").addEventListener("click", async () => {
    if (!(await Admin.confirm("Give every priority its default name back?", "Reset all"))) return;
    try {
      await api("POST", "livechat/priorities.reset", {});
      toast("Priorities reset.");
    } catch (error) {
      toast(error.message, "error");
    }
    load();
  });

  load();
})();
