// Chat messages as the agent's live view and the visitor widget show them: the ids a client chooses, the
// times, one person's message as a list item, edits in place and removals; and who wrote a message,
// which the Contact Center's conversation view asks too. Text is always text (Dom.el, dom.js).
"use strict";

// biome-ignore lint/correctness/noUnusedVariables: the global live-*.js, contact-center.js and the widget use
const ChatMessages = (() => {
  const { el } = Dom;
  // Meteor's Random.id() alphabet: the ids (and the visitor's token) a Rocket.Chat client makes up.
  const ID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz";

  function newId(length = 17) {
    const bytes = crypto.getRandomValues(new Uint8Array(length));
    return Array.from(bytes, (byte) => ID_ALPHABET[byte % ID_ALPHABET.length]).join("");
  }

  // A time as the API sends it: an ISO string, or EJSON's {$date: milliseconds}.
  const toDate = (value) =>
    value && value.$date !== undefined ? new Date(value.$date) : value ? new Date(value) : null;

  const clockTime = (value) => {
    const date = toDate(value);
    return date ? date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" }) : "";
  };

  // Whether `person` ({_id}) wrote the message. Messages carry no visitor token (staff read them too):
  // a visitor's own are those its id authored.
  function isFrom(message, person) {
    return Boolean(message.u && person && message.u._id === person._id);
  }

  // One person's message: the author, the text, "edited" if it was, and the time. `kind` is its class
  // ("mine", "theirs", "agent").
  function messageItem(message, { kind, author }) {
    return el(
      "li",
      { class: `message ${kind}`, "data-id": message._id },
      el("span", { class: "author" }, author),
      el("p", { class: "text" }, message.msg),
      message.editedAt ? el("span", { class: "edited" }, "edited") : null,
      el("time", { datetime: toDate(message.ts)?.toISOString() || "" }, clockTime(message.ts)),
    );
  }

  function findMessage(list, id) {
    return [...list.children].find((item) => item.dataset.id === id);
  }

  // An edited message comes again with editedAt: its text changes in place.
  function showEdit(list, message) {
    const node = findMessage(list, message._id);
    const text = node?.querySelector(".text");
    if (!text || !message.editedAt) return;
    text.textContent = message.msg;
    if (!node.querySelector(".edited"))
      node.querySelector("time").before(el("span", { class: "edited" }, "edited"));
  }

  function removeMessage(list, id) {
    const node = findMessage(list, id);
    if (node) node.remove();
  }

  return { newId, toDate, clockTime, isFrom, messageItem, findMessage, showEdit, removeMessage };
})();
