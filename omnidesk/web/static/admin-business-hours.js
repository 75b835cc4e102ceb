// Business hours: the workspace's default hours and, per department, custom ones: open days and times
// in a time zone, and closed days. Each set saves on its own through livechat/business-hours.save.
"use strict";

(() => {
  const { api, el, toast } = Omnidesk;
  const list = document.getElementById("hours");
  const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
  let departments = [];

  async function load() {
    list.setAttribute("aria-busy", "true");
    try {
      const [hours, deps, enabled, type] = await Promise.all([
        api("GET", "livechat/business-hours", { count: 100 }),
        api("GET", "livechat/department", { count: 500 }),
        // Managers may not read private settings: the page then says nothing of the mode.
        api("GET", "settings/Livechat_enable_business_hours").catch(() => null),
        api("GET", "settings/Livechat_business_hour_type").catch(() => null),
      ]);
      departments = deps.departments;
      if (enabled && type) describeMode(enabled.value, type.value);
      const ordered = [...hours.businessHours].sort((a, b) =>
        a.type === "default" ? -1 : b.type === "default",
      );
      list.replaceChildren(...ordered.map((item) => card(item)));
    } catch (error) {
      list.replaceChildren(el("p", { class: "alert alert-error" }, error.message));
    } finally {
      list.setAttribute("aria-busy", "false");
    }
  }

  function describeMode(enabled, type) {
    const mode = document.getElementById("mode");
    if (!enabled)
      mode.textContent = "Business hours are off (Settings → Queue): chats are served at any time.";
    else if (type === "Multiple")
      mode.textContent = "Each department keeps its own hours, or the default ones when it has none.";
    else mode.textContent = "The default hours apply to every chat and agent.";
  }

  function dayRow(day, entry) {
    const open = el("input", { type: "checkbox", name: "open", checked: Boolean(entry?.open) });
    const start = el("input", { type: "time", name: "start", value: entry?.start.time || "08:00" });
    const finish = el("input", { type: "time", name: "finish", value: entry?.finish.time || "17:00" });
    for (const [input, what] of [
      [open, "open"],
      [start, "opens at"],
      [finish, "closes at"],
    ])
      input.setAttribute("aria-label", `${day} ${what}`);
    return el(
      "tr",
      { "data-day": day },
      el("th", { scope: "row" }, day),
      el("td", {}, open),
      el("td", {}, start),
      el("td", {}, finish),
    );
  }

  function card(hours) {
    const custom = hours.type !== "default";
    const title = custom ? hours.name || "New business hours" : "Default hours";
    const form = el("form", { class: "panel stack", "aria-label": title });
    const days = new Map(hours.workHours.map((entry) => [entry.day, entry]));
    const name = el("input", { name: "name", value: hours.name || "", required: true, autocomplete: "off" });
    const zone = el("input", { name: "timezone", value: hours.timezone?.name || "UTC", required: true });
    const active = el("input", { type: "checkbox", name: "active", checked: hours.active !== false });
    const closed = el("textarea", { name: "holidays", rows: "3" }, (hours.holidays || []).join("\n"));
    const linked = new Set((hours.departments || []).map((department) => department._id));
    form.append(
      el("h2", {}, title),
      custom ? el("label", {}, "Name ", name) : "",
      el(
        "label",
        {},
        "Time zone ",
        zone,
        el("span", { class: "help" }, " An IANA zone, such as Europe/Berlin."),
      ),
      el("label", { class: "check" }, active, " Active"),
      el(
        "table",
        { class: "data" },
        el(
          "thead",
          {},
          el("tr", {}, ...["Day", "Open", "Opens", "Closes"].map((text) => el("th", { scope: "col" }, text))),
        ),
        el("tbody", {}, ...DAYS.map((day) => dayRow(day, days.get(day)))),
      ),
      el("label", {}, "Closed days (one date per line, YYYY-MM-DD) ", closed),
    );
    if (custom)
      form.append(
        el(
          "fieldset",
          {},
          el("legend", {}, "Departments that keep these hours"),
          ...departments.map((department) =>
            el(
              "label",
              { class: "check" },
              el("input", {
                type: "checkbox",
                name: "department",
                value: department._id,
                checked: linked.has(department._id),
              }),
              ` ${department.name}`,
            ),
          ),
        ),
      );
    const alert = el("p", { class: "alert alert-error", role: "alert", hidden: true });
    const actions = el("div", { class: "row end" });
    if (custom && hours._id)
      actions.append(
        el("button", { type: "button", class: "button danger", onclick: () => remove(hours) }, "Remove"),
      );
    actions.append(el("button", { type: "submit", class: "button primary" }, `Save ${title}`));
    form.append(alert, actions);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      save(form, hours, alert);
    });
    return form;
  }

  async function save(form, hours, alert) {
    const rows = [...form.querySelectorAll("tbody tr")];
    const body = {
      ...(hours._id ? { _id: hours._id } : {}),
      type: hours.type,
      name: form.elements.name?.value || "",
      active: form.elements.active.checked,
      timezoneName: form.elements.timezone.value.trim(),
      workHours: rows.map((row) => ({
        day: row.dataset.day,
        open: row.querySelector("[name=open]").checked,
        start: row.querySelector("[name=start]").value,
        finish: row.querySelector("[name=finish]").value,
      })),
      holidays: form.elements.holidays.value.split(/\s+/).filter(Boolean),
    };
    if (hours.type !== "default")
      body.departmentsToApplyBusinessHour = [...form.querySelectorAll("[name=department]:checked")]
        .map((input) => input.value)
        .join(",");
    alert.hidden = true;
    try {
      await api("POST", "livechat/business-hours.save", body);
      toast("Business hours saved.");
      load();
    } catch (error) {
      alert.textContent = error.message;
      alert.hidden = false;
    }
  }

  async function remove(hours) {
    if (!(await Admin.confirm(`Remove the business hours ${hours.name}?`, "Remove"))) return;
    try {
      await api("POST", "livechat/business-hours.remove", { _id: hours._id, type: hours.type });
      toast("Business hours removed.");
    } catch (error) {
      toast(error.message, "error");
    }
    load();
  }

  document.getElementById("new").addEventListener("click", () => {
    const fresh = card({
      type: "custom",
      name: "",
      active: true,
      workHours: [],
      holidays: [],
      departments: [],
    });
    list.append(fresh);
    fresh.querySelector("[name=name]").focus();
  });

  load();
})();
