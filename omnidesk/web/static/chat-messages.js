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

  function fileSize(bytes) {
    const units = ["B", "KB", "MB", "GB"];
    let value = Number(bytes) || 0;
    let unit = 0;
    while (value >= 1000 && unit < units.length - 1) {
      value /= 1000;
      unit += 1;
    }
    return `${unit ? value.toFixed(1) : value} ${units[unit]}`;
  }

  // A file's links are the server's own paths (/file-upload/..., signed); `base` is the server's origin
  // where the page is another site's (the widget). An image shows inline (its thumbnail) and opens the
  // file; any other file is a link with its name and size.
  const FILE_PATH = /^\/file-upload\//;
  function attachmentNodes(message, base = "") {
    const files = (message.attachments || []).filter(
      (item) => item?.fileId && FILE_PATH.test(String(item.title_link || "")),
    );
    return files.map((item) => {
      const link = { href: base + item.title_link, target: "_blank", rel: "noopener noreferrer" };
      const name = String(item.title || "file");
      if (item.image_url && FILE_PATH.test(String(item.image_url))) {
        return el(
          "a",
          { ...link, class: "attachment image", title: name },
          el("img", { src: base + item.image_url, alt: name, loading: "lazy" }),
        );
      }
      const size = item.size ?? item.audio_size ?? item.video_size;
      return el(
        "a",
        { ...link, class: "attachment file", download: name },
        el("span", { class: "file-name" }, name),
        size ? el("span", { class: "file-size" }, fileSize(size)) : null,
      );
    });
  }

  // One person's message: the author, the text, its files, "edited" if it was, and the time. `kind` is
  // its class ("mine", "theirs", "agent"); `base` as for attachmentNodes.
  function messageItem(message, { kind, author, base = "" }) {
    return el(
      "li",
      { class: `message ${kind}`, "data-id": message._id },
      el("span", { class: "author" }, author),
      el("p", { class: "text", hidden: !message.msg && Boolean(message.attachments?.length) }, message.msg),
      attachmentNodes(message, base),
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

  return {
    newId,
    toDate,
    clockTime,
    isFrom,
    messageItem,
    attachmentNodes,
    fileSize,
    findMessage,
    showEdit,
    removeMessage,
  };
})();
