// A whole livechat conversation held by Rocket.Chat's published SDK (@rocket.chat/ddp-client) against
// Omnidesk, unmodified: the visitor through LivechatClientImpl (REST + DDP), the agent through the
// generic DDPSDK (DDP login with its resume token, streams) and the REST API for its reply.
//
// Environment: OMNIDESK_URL (http://host:port), AGENT_ID, AGENT_TOKEN. Prints one line per step and
// "SDK E2E OK" at the end; exits non-zero on any failure or after OVERALL_TIMEOUT_MS.
'use strict';

// Node 20 has no global WebSocket (Node 22 does); the SDK expects one.
globalThis.WebSocket = globalThis.WebSocket || require('ws');

const { DDPSDK, LivechatClientImpl } = require('@rocket.chat/ddp-client');

const BASE = process.env.OMNIDESK_URL;
const AGENT_ID = process.env.AGENT_ID;
const AGENT_TOKEN = process.env.AGENT_TOKEN;
const WS_URL = BASE.replace(/^http/, 'ws');
const STEP_TIMEOUT_MS = 5000;
const OVERALL_TIMEOUT_MS = 30000;

const overall = setTimeout(() => fail(new Error(`gave up after ${OVERALL_TIMEOUT_MS} ms`)), OVERALL_TIMEOUT_MS);

function fail(error) {
  console.error(`SDK E2E FAILED: ${error && error.stack ? error.stack : JSON.stringify(error)}`);
  process.exit(1);
}

function step(text) {
  console.log(`step: ${text}`);
}

function check(condition, text) {
  if (!condition) {
    throw new Error(`check failed: ${text}`);
  }
}

// Resolves with the first value `register(callback)` hands to callback that satisfies `accept`.
function waitFor(what, register, accept = () => true) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), STEP_TIMEOUT_MS);
    register((...args) => {
      if (accept(...args)) {
        clearTimeout(timer);
        resolve(args);
      }
    });
  });
}

// The SDK does not wait for `ready` before returning from a subscribe; the test does, so that nothing
// pushed right after is missed (Rocket.Chat's own server has the same race).
async function allReady(client) {
  await Promise.all([...client.subscriptions.values()].map((subscription) => subscription.ready()));
}

async function rest(method, path, body) {
  const response = await fetch(`${BASE}/api${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', 'X-User-Id': AGENT_ID, 'X-Auth-Token': AGENT_TOKEN },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  check(response.ok && json.success, `${method} ${path} answered ${response.status} ${JSON.stringify(json)}`);
  return json;
}

async function main() {
  step('the agent connects over DDP and logs in with its resume token');
  const agent = DDPSDK.create(WS_URL);
  await agent.connection.connect();
  const login = await agent.account.loginWithToken(AGENT_TOKEN);
  check(login.id === AGENT_ID && agent.account.uid === AGENT_ID, 'the agent is logged in');
  const assigned = waitFor(
    'the new chat on the agent\'s rooms-changed stream',
    (callback) => agent.stream('notify-user', `${AGENT_ID}/rooms-changed`, callback),
    (action) => action === 'inserted',
  );
  await allReady(agent.client);

  step('the visitor connects');
  const visitor = LivechatClientImpl.create(WS_URL);
  await visitor.connection.connect();
  check(visitor.connection.status === 'connected', 'the visitor is connected');

  step('the visitor reads the widget configuration');
  const config = await visitor.config({});
  check(config.enabled === true && config.online === true, `livechat is enabled and online: ${JSON.stringify(config)}`);

  step('the visitor registers');
  const token = `sdk-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const { visitor: guest } = await visitor.grantVisitor({
    visitor: { token, name: 'SDK Visitor', email: 'sdk.visitor@example.com' },
  });
  check(guest.token === token && visitor.token === token, 'the SDK kept the visitor token');

  step('the visitor opens a room');
  const room = await visitor.room();
  const rid = room._id;
  check(typeof rid === 'string' && rid.length > 0, 'the room has an id');

  step('the agent hears of the chat assigned to it');
  const [, assignedRoom] = await assigned;
  check(assignedRoom._id === rid && assignedRoom.servedBy._id === AGENT_ID, 'the agent serves the new room');

  step('both subscribe to the room');
  await visitor.subscribeRoom(rid);
  await allReady(visitor.client);
  const agentMessages = [];
  agent.stream('room-messages', rid, (message) => agentMessages.push(message));
  const visitorTyping = [];
  agent.stream('notify-room', `${rid}/user-activity`, (...args) => visitorTyping.push(args));
  await allReady(agent.client);

  step('the visitor sends a message; the agent receives it over the stream');
  const fromVisitor = waitFor(
    'the visitor message on the agent side',
    (callback) => agent.client.onCollection('stream-room-messages', callback),
    () => agentMessages.some((message) => message.msg === 'Hello from the SDK'),
  );
  const sent = await visitor.sendMessage({ rid, msg: 'Hello from the SDK' });
  check(sent.message.msg === 'Hello from the SDK', 'the message was stored');
  await fromVisitor;

  step('the agent replies through the REST API; the visitor receives the reply over the stream');
  const reply = waitFor(
    'the agent reply on the visitor side',
    (callback) => visitor.onMessage(callback),
    (message) => message.msg === 'Hello from Omnidesk',
  );
  await rest('POST', '/v1/chat.sendMessage', { message: { rid, msg: 'Hello from Omnidesk' } });
  const [received] = await reply;
  check(received.u._id === AGENT_ID && received.rid === rid, 'the reply comes from the agent');
  check(typeof received.ts.$date === 'number', 'the reply carries an EJSON date');

  step('the visitor loads the history');
  const history = await visitor.loadMessages(rid, {});
  const texts = history.map((message) => message.msg);
  check(texts.includes('Hello from the SDK') && texts.includes('Hello from Omnidesk'), `history: ${texts}`);

  step('the visitor types; the agent sees it');
  const typing = waitFor(
    'the typing event on the agent side',
    (callback) => agent.client.onCollection('stream-notify-room', callback),
    () => visitorTyping.length > 0,
  );
  await visitor.notifyVisitorActivity(rid, guest.username, ['user-typing']);
  await typing;
  check(visitorTyping[0][0] === guest.username && visitorTyping[0][1][0] === 'user-typing', 'typing from the visitor');

  step('the agent types; the visitor sees it');
  const agentTyping = waitFor('the typing event on the visitor side', (callback) => visitor.onUserActivity(callback));
  await agent.call('stream-notify-room', `${rid}/user-activity`, 'agent', ['user-typing'], {});
  const [typingUser, activities] = await agentTyping;
  check(typingUser !== guest.username && activities[0] === 'user-typing', 'typing from the agent');

  step('the visitor closes the chat; the close message arrives over the stream');
  const closing = waitFor(
    'the livechat-close message',
    (callback) => visitor.onMessage(callback),
    (message) => message.t === 'livechat-close',
  );
  const closed = await visitor.closeChat({ rid });
  check(closed.rid === rid, 'the room was closed');
  await closing;

  visitor.connection.close();
  agent.connection.close();
  clearTimeout(overall);
  console.log('SDK E2E OK');
  process.exit(0);
}

main().catch(fail);
