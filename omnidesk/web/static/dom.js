// Building DOM nodes whose text is always text (never HTML), so user input cannot inject markup. Every
// page loads it before omnidesk.js (which passes `el` on as Omnidesk.el), and the visitor widget has it
// in its closure.
"use strict";

// biome-ignore lint/correctness/noUnusedVariables: the global omnidesk.js, chat-messages.js and widget use
const Dom = (() => {
  // el("a", {href: "/x", class: "link"}, "text", child...): text arguments become text nodes.
  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
      else if (key === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  return { el };
})();
