// @zmarty/client against the running system. Zmarty.Tests/Frontend/TypeScriptClientTests starts it (the chat
// fixture: Api, databases, emulators) and passes the Api's address and three users' tokens:
//   ZMARTY_API_URL, ZMARTY_TEST_PRO_TOKEN (pro tier: voice), ZMARTY_TEST_FREE_TOKEN (free: one symbol),
//   ZMARTY_TEST_BROKE_TOKEN (no credits); ZMARTY_TEST_SIGNAL_SYMBOL, a symbol with a long 1h signal and a win rate in B.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ZmartyClient, ZmartyError } from "../dist/index.js";

const baseUrl = required("ZMARTY_API_URL");
const as = (token, options = {}) => new ZmartyClient({ baseUrl, getAccessToken: async () => token, ...options });
const pro = as(required("ZMARTY_TEST_PRO_TOKEN"));
const free = as(required("ZMARTY_TEST_FREE_TOKEN"));
const broke = as(required("ZMARTY_TEST_BROKE_TOKEN"));

test("the profile says the tier, its limits and features", async () => {
  const profile = await pro.profile();
  assert.equal(profile.tier, "pro");
  assert.equal(profile.limits.voice, true);
  assert.equal(profile.limits.active_symbols, 10);
  assert.ok(profile.limits.max_tokens > 0 && profile.limits.requests_per_minute > 0);
  assert.equal(typeof profile.features, "object");
  assert.equal((await free.profile()).limits.voice, false);
});

test("a JSON chat is answered and charged what it says, and the ledger shows the charge", async () => {
  const before = await pro.credits();
  const reply = await pro.chat({ message: "How does BTC look?" });
  assert.ok(reply.text.length > 0);
  assert.ok(reply.credits_charged > 0);
  const after = await pro.credits();
  assert.equal(after.balance, before.balance - reply.credits_charged);
  const newest = (await pro.ledger({ limit: 1 })).items[0];
  assert.equal(newest.kind, "charge");
  assert.equal(newest.delta, -reply.credits_charged);
  assert.equal(newest.request_id, reply.metadata.request_id);
});

test("a streamed chat yields start, tokens and done, whose charge is the balance's drop", async () => {
  const before = await pro.credits();
  const events = [];
  const stream = pro.streamChat({ message: "Give me a BTC outlook" });
  let result;
  while (true) {
    const next = await stream.next();
    if (next.done) { result = next.value; break; }
    events.push(next.value);
  }
  assert.equal(events[0].type, "start");
  const tokens = events.filter((e) => e.type === "token");
  assert.ok(tokens.length > 1);
  assert.ok(tokens.map((e) => e.content).join("").length > 0);
  const done = events.at(-1);
  assert.equal(done.type, "done");
  assert.deepEqual(result, done);
  assert.equal((await pro.credits()).balance, before.balance - done.credits_charged);
});

test("a voice reply's audio_url is absolute and plays: the signed link and the helper both fetch audio", async () => {
  const reply = await pro.chat({ message: "Short BTC update", mode: "voice" });
  assert.match(reply.audio_url, /^http:\/\/.+\/audio\/.+\?expires=\d+&sig=/);
  const anonymous = await fetch(reply.audio_url);
  assert.equal(anonymous.status, 200);
  assert.equal(anonymous.headers.get("content-type"), "audio/mpeg");
  const blob = await pro.audio(reply.audio_url);
  assert.ok(blob.size > 0);
});

test("aborting a stream stops it without an error", async () => {
  const controller = new AbortController();
  let seen = 0;
  for await (const event of pro.streamChat({ message: "A long BTC analysis please" }, { signal: controller.signal })) {
    seen++;
    if (event.type === "token") controller.abort();
  }
  assert.ok(seen >= 2);
  // The Api notices the hang-up and charges what was generated: wait for it, so later balances are exact.
  await settled(pro);
});

test("an answer lost on the way back is asked for again with the same Idempotency-Key, and charged once", async () => {
  const keys = [];
  let lost = false;
  const flaky = as(required("ZMARTY_TEST_PRO_TOKEN"), {
    retryDelayMs: 10,
    fetch: async (url, init) => {
      if (String(url).endsWith("/chat")) keys.push(new Headers(init.headers).get("Idempotency-Key"));
      const response = await fetch(url, init);
      if (String(url).endsWith("/chat") && !lost) {
        lost = true;
        await response.arrayBuffer();
        throw new TypeError("fetch failed: the connection was reset");
      }
      return response;
    },
  });
  const before = await pro.credits();
  const reply = await flaky.chat({ message: "Is ETH trending?" });
  assert.equal(keys.length, 2);
  assert.equal(keys[0], keys[1]);
  assert.equal(reply.metadata.replayed, true);
  assert.equal((await pro.credits()).balance, before.balance - reply.credits_charged);
});

test("errors arrive typed, with the contract's fields", async () => {
  const poor = await rejection(broke.chat({ message: "How does BTC look?" }));
  assert.equal(poor.status, 402);
  assert.equal(poor.error, "insufficient_credits");
  assert.equal(poor.balance, 0);
  assert.ok(poor.required > 0);

  const empty = await rejection(pro.chat({ message: "" }));
  assert.equal(empty.status, 400);
  assert.equal(empty.error, "invalid_request");
  assert.match(empty.message, /message/);

  const stranger = await rejection(as("not-a-token").credits());
  assert.equal(stranger.status, 401);
  assert.equal(stranger.error, "invalid_token");

  const voiceless = await rejection(free.chat({ message: "Speak to me", mode: "voice" }));
  assert.equal(voiceless.status, 403);
  assert.equal(voiceless.error, "forbidden");

  const offline = await rejection(new ZmartyClient({ baseUrl: "http://127.0.0.1:9", getAccessToken: () => "x", retries: 0 }).credits());
  assert.equal(offline.status, 0);
  assert.equal(offline.error, "network_error");
  assert.equal(offline.retriable, true);
});

test("watched symbols: add, pause, resume, the tier's limit, remove", async () => {
  const added = await free.addSymbol({ symbol: "SOL/USDT", timeframe: "4h", strategy: {} });
  assert.equal(added.name, "SOL/USDT");
  assert.equal(added.active, true);

  const again = await rejection(free.addSymbol({ symbol: "SOL/USDT", timeframe: "4h", strategy: {} }));
  assert.equal(again.status, 409);
  assert.equal(again.error, "conflict");

  const beyond = await rejection(free.addSymbol({ symbol: "ETH/USDT", timeframe: "1h", strategy: {} }));
  assert.equal(beyond.status, 403);
  assert.equal(beyond.error, "symbol_limit_reached");

  const paused = await free.setSymbolActive(added.id, false);
  assert.equal(paused.active, false);
  const second = await free.addSymbol({ symbol: "ETH/USDT", timeframe: "1h", strategy: {} });
  const resumed = await rejection(free.setSymbolActive(added.id, true));
  assert.equal(resumed.error, "symbol_limit_reached");

  await free.removeSymbol(second.id);
  assert.equal((await free.setSymbolActive(added.id, true)).active, true);
  await free.removeSymbol(added.id);
  assert.deepEqual(await free.symbols(), []);
  const missing = await rejection(free.removeSymbol(added.id));
  assert.equal(missing.status, 404);
  assert.equal(missing.error, "not_found");
});

test("signals and win rates for the watched symbols cost a credit each", async () => {
  const name = required("ZMARTY_TEST_SIGNAL_SYMBOL");
  const symbol = await pro.addSymbol({ symbol: name, timeframe: "1h", strategy: {} });
  const before = await pro.credits();
  const reply = await pro.signals();
  assert.equal(reply.credits_charged, 1);
  const seeded = reply.items.find((s) => s.symbol === name && s.timeframe === "1h");
  assert.ok(seeded, `${name} 1h is in the reply`);
  assert.equal(seeded.direction, "long");
  assert.equal(seeded.win_rate, 0.625);
  assert.equal(seeded.sample_size, 16);
  assert.equal((await pro.credits()).balance, before.balance - 1);
  await pro.removeSymbol(symbol.id);
});

test("the usage history pages back through every row", async () => {
  const first = await pro.ledger({ limit: 2 });
  assert.equal(first.items.length, 2);
  assert.ok(first.next_before);
  const second = await pro.ledger({ limit: 2, before: first.next_before });
  assert.ok(second.items.every((e) => e.id < first.items[1].id));
});

/** Waits until no credits are held: every chat of the user has been settled or released. */
async function settled(client) {
  for (let i = 0; i < 100; i++) {
    if ((await client.credits()).held === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail("credits still held after 10 s");
}

async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ZmartyError, `a ZmartyError, not ${error}`);
    return error;
  }
  assert.fail("the call succeeded");
}

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these through Zmarty.Tests (TypeScriptClientTests) or set it by hand.`);
  return value;
}

test("a conversation is continued, listed with its turns, renamed, and deleted", async () => {
  const first = await pro.chat({ message: "How does BTC look?" });
  const events = [];
  for await (const event of pro.streamChat({ message: "and on the 4h?", conversation_id: first.conversation_id })) {
    events.push(event);
  }
  assert.equal(events[0].type, "start");
  assert.equal(events[0].conversation_id, first.conversation_id);

  const listed = (await pro.conversations({ limit: 50 })).items.find((c) => c.id === first.conversation_id);
  assert.equal(listed.title, "How does BTC look?");
  assert.equal(listed.message_count, 4);
  const messages = (await pro.conversationMessages(first.conversation_id)).items.reverse();
  assert.deepEqual(messages.map((m) => m.role), ["user", "assistant", "user", "assistant"]);
  assert.equal(messages[1].content, first.text);
  assert.equal(messages[2].content, "and on the 4h?");

  const renamed = await pro.changeConversation(first.conversation_id, { title: "BTC, 1h and 4h", archived: true });
  assert.equal(renamed.title, "BTC, 1h and 4h");
  assert.equal(renamed.archived, true);
  await pro.deleteConversation(first.conversation_id);
  await assert.rejects(pro.conversationMessages(first.conversation_id), (error) => {
    assert.ok(error instanceof ZmartyError);
    assert.equal(error.status, 404);
    return true;
  });
});
