// Agents and managers: list, add by username, remove, and (agents) availability.
"use strict";

(() => {
  const { api, el, toast, debounce } = Omnidesk;
  const section = document.getElementById("staff");
  const type = section.dataset.type; // "agent" | "manager"
  const rows = document.getElementById("rows");
  const PAGE = 25;
  let offset = 0;
  let departmentNames = new Map();

  async function loadDepartments() {
    if (type !== "agent") return;
    try {
      const data = await api("GET", "livechat/department", { count: 500 });
      departmentNames = new Map(data.departments.map((department) => [department._id, department.name]));
    } catch {
      departmentNames = new Map();
    }
  }

  async function load() {
    Admin.loadingRow(rows);
    let data;
    try {
      data = await api("GET", `livechat/users/${type}`, {
        text: document.getElementById("search").value.trim(),
        count: PAGE,
        offset,
        sort: JSON.stringify({ name: 1 }),
      });
    } catch (error) {
      Admin.errorRow(rows, error);
      return;
    }
    const columns = [
      (user) => Admin.clipped(user.name || ""),
      (user) => Admin.clipped(`@${user.username}`),
      { class: "hide-narrow", cell: (user) => Admin.clipped(user.emails[0]?.address || "") },
    ];
    if (type === "agent") {
      columns.push(
        {
          class: "hide-narrow",
          cell: (user) =>
            (user.departments || []).map((id) => el("span", { class: "tag" }, departmentNames.get(id) || id)),
        },
        (user) => {
          const on = user.statusLivechat === "available";
          return el(
            "button",
            {
              type: "button",
              class: `button small${on ? " primary" : ""}`,
              "aria-pressed": String(on),
              "aria-label": `${user.username} available`,
              onclick: () => setAvailability(user, on ? "not-available" : "available"),
            },
            on ? "Available" : "Not available",
          );
        },
        {
          class: "hide-narrow",
          cell: (user) =>
            el("input", {
              type: "number",
              min: "0",
              max: "1000",
              class: "max-chats",
              value: String(user.livechat?.maxNumberSimultaneousChat || 0),
              title: "The most chats this agent serves at once (0: the workspace's limit)",
              "aria-label": `${user.username} max chats`,
              onchange: (event) => setMaxChats(user, event.target.value),
            }),
        },
      );
    }
    columns.push((user) =>
      el(
        "div",
        { class: "actions" },
        el(
          "button",
          {
            type: "button",
            class: "button small danger",
            "aria-label": `Remove ${user.username}`,
            onclick: () => remove(user),
          },
          "Remove",
        ),
      ),
    );
    Admin.fillTable(
      rows,
      data.users,
      columns,
      offset ? "No more results." : `No ${type}s yet. Add one by username above.`,
    );
    document.getElementById("page-info").textContent = data.total
      ? `${offset + 1}–${offset + data.users.length} of ${data.total}`
      : "";
    document.getElementById("prev").disabled = offset === 0;
    document.getElementById("next").disabled = offset + data.users.length >= data.total;
  }

  async function setAvailability(user, status) {
    try {
      await api("POST", "livechat/agent.status", { agentId: user._id, status });
    } catch (error) {
      toast(error.message, "error");
    }
    load();
  }

  async function setMaxChats(user, value) {
    try {
      await api("POST", "livechat/agents.saveInfo", {
        agentId: user._id,
        agentData: { maxNumberSimultaneousChat: Number(value) || 0 },
        agentDepartments: user.departments || [],
      });
      const limit = Number(value) || 0;
      toast(
        limit
          ? `${user.username} serves at most ${limit} chats at once.`
          : `${user.username} follows the workspace's chat limit.`,
      );
    } catch (error) {
      toast(error.message, "error");
    }
    load();
  }

  async function remove(user) {
    if (
      !(await Admin.confirm(
        `Remove ${user.name || user.username} (@${user.username}) from the ${type}s?`,
        "Remove",
      ))
    )
      return;
    try {
      await api("DELETE", `livechat/users/${type}/${encodeURIComponent(user._id)}`);
      toast(`${user.username} is no longer a ${type}.`);
    } catch (error) {
      toast(error.message, "error");
    }
    load();
  }

  // Suggestions while typing: the workspace's users (users.list, by name or username) who are not of
  // this type yet; picking one fills in its username.
  const role = type === "agent" ? "livechat-agent" : "livechat-manager";
  const suggestions = document.getElementById("add-username-suggestions");
  let asked = 0;
  async function suggest(text) {
    const request = ++asked;
    if (!text) {
      suggestions.replaceChildren();
      return;
    }
    let users = [];
    try {
      users = (
        await api("GET", "users.list", { query: text, count: 10, sort: JSON.stringify({ username: 1 }) })
      ).users;
    } catch {
      /* no suggestions: the username can still be typed */
    }
    if (request !== asked) return; // a later keystroke asked again
    suggestions.replaceChildren(
      ...users
        .filter((user) => user.active !== false && !(user.roles || []).includes(role))
        .map((user) =>
          el("option", { value: user.username }, user.name ? `${user.name} (@${user.username})` : ""),
        ),
    );
  }
  document.getElementById("add-username").addEventListener(
    "input",
    debounce((event) => suggest(event.target.value.trim().replace(/^@/, "")), 200),
  );

  document.getElementById("add-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = document.getElementById("add-username");
    const username = input.value.trim().replace(/^@/, "");
    if (!username) return;
    try {
      await api("POST", `livechat/users/${type}`, { username });
    } catch (error) {
      toast(
        error.message === "Invalid user [error-invalid-user]"
          ? `There is no user "${username}".`
          : error.message,
        "error",
      );
      return;
    }
    input.value = "";
    toast(`${username} is now a ${type}.`);
    load();
  });
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

  loadDepartments().then(load);
})();
