// A small DDP client (Meteor's protocol, the subset Omnidesk's /websocket speaks), shared by the agent's
// live view and the visitor widget. It reconnects on its own, logs in again (through `onConnect`) and
// renews every subscription, so a page survives a server restart or a dropped network.
//
//   const ddp = new DDP.Client({ onConnect: () => ddp.call("login", { cookie: true }) });
//   const sub = ddp.subscribe("stream-room-messages", [rid, { useCollection: false, args: [] }],
//                             (args) => show(args[0]));
//   sub.stop();
"use strict";

// biome-ignore lint/correctness/noUnusedVariables: the global live-*.js and the widget use
const DDP = (() => {
  const RETRY_DELAYS = [500, 1000, 2000, 5000, 10000];

  function defaultUrl() {
    return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/websocket`;
  }

  class Client {
    constructor({ url = defaultUrl(), onConnect = null, onStatus = null } = {}) {
      this.url = url;
      this.onConnect = onConnect;
      this.onStatus = onStatus || (() => {});
      this.nextId = 1;
      this.pending = new Map(); // method id -> {resolve, reject}
      this.subscriptions = new Map(); // sub id -> {name, params, handler, ready}
      this.socket = null;
      this.connected = false;
      this.attempt = 0;
      this.closedByUs = false;
      this.waiting = []; // calls made before the connection is up
      this.open();
    }

    open() {
      this.onStatus(this.attempt ? "reconnecting" : "connecting");
      const socket = new WebSocket(this.url);
      this.socket = socket;
      socket.addEventListener("open", () => {
        socket.send(JSON.stringify({ msg: "connect", version: "1", support: ["1", "pre2", "pre1"] }));
      });
      socket.addEventListener("message", (event) => this.receive(event.data));
      socket.addEventListener("close", () => this.lost(socket));
    }

    lost(socket) {
      if (socket !== this.socket) return;
      this.connected = false;
      for (const { reject } of this.pending.values()) reject(new Error("disconnected"));
      this.pending.clear();
      if (this.closedByUs) {
        this.onStatus("closed");
        return;
      }
      this.onStatus("reconnecting");
      const delay = RETRY_DELAYS[Math.min(this.attempt, RETRY_DELAYS.length - 1)];
      this.attempt += 1;
      setTimeout(() => this.open(), delay);
    }

    close() {
      this.closedByUs = true;
      if (this.socket) this.socket.close();
    }

    send(frame) {
      if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
    }

    async receive(text) {
      let frame;
      try {
        frame = JSON.parse(text);
      } catch {
        return;
      }
      switch (frame.msg) {
        case "connected":
          await this.ready();
          break;
        case "ping":
          this.send(frame.id ? { msg: "pong", id: frame.id } : { msg: "pong" });
          break;
        case "result": {
          const call = this.pending.get(frame.id);
          if (!call) break;
          this.pending.delete(frame.id);
          if (frame.error) {
            const error = new Error(frame.error.reason || frame.error.message || "error");
            error.ddp = frame.error;
            call.reject(error);
          } else call.resolve(frame.result);
          break;
        }
        case "changed": {
          const eventName = frame.fields?.eventName;
          const args = frame.fields?.args || [];
          for (const sub of this.subscriptions.values()) {
            if (sub.name === frame.collection && sub.params[0] === eventName) sub.handler(args, eventName);
          }
          break;
        }
        case "ready":
          for (const id of frame.subs || []) this.subscriptions.get(id)?.onReady?.();
          break;
        case "nosub": {
          const sub = this.subscriptions.get(frame.id);
          if (sub?.onError) sub.onError(frame.error || null);
          break;
        }
        default:
          break;
      }
    }

    async ready() {
      this.connected = true;
      const wasReconnect = this.attempt > 0;
      this.attempt = 0;
      try {
        if (this.onConnect) await this.onConnect();
      } catch (error) {
        console.warn("ddp: onConnect failed", error);
      }
      for (const [id, sub] of this.subscriptions)
        this.send({ msg: "sub", id, name: sub.name, params: sub.params });
      const waiting = this.waiting.splice(0);
      for (const start of waiting) start();
      this.onStatus(wasReconnect ? "reconnected" : "connected");
    }

    // A method call; resolves with its result, rejects with its Meteor error.
    call(method, ...params) {
      return new Promise((resolve, reject) => {
        const start = () => {
          const id = String(this.nextId++);
          this.pending.set(id, { resolve, reject });
          this.send({ msg: "method", id, method, params });
        };
        // A call made while (re)connecting waits for the connection, except the login onConnect makes.
        if (this.connected) start();
        else this.waiting.push(start);
      });
    }

    // A stream subscription: `handler(args, eventName)` for each event; kept across reconnections.
    // `onReady()` runs each time the server confirms it (after every reconnection too).
    subscribe(name, params, handler, onError = null, onReady = null) {
      const id = `s${this.nextId++}`;
      this.subscriptions.set(id, { name, params, handler, onError, onReady });
      if (this.connected) this.send({ msg: "sub", id, name, params });
      return {
        id,
        stop: () => {
          if (this.subscriptions.delete(id)) this.send({ msg: "unsub", id });
        },
      };
    }
  }

  // The extra parameters of a visitor's subscription: its token, as Rocket.Chat's livechat SDK sends it.
  function visitorParams(key, token) {
    return [key, { useCollection: false, args: [{ token, visitorToken: token }] }];
  }

  return { Client, visitorParams };
})();
