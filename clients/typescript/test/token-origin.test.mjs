// Where the user's token goes: to the Api's own origin only. These need no running system: the client is given a
// fetch that records what it was asked to send.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ZmartyClient, ZmartyError } from "../dist/index.js";

const api = "https://api.zmarty.test";
const token = "the-users-session-token";

function recording() {
  const sent = [];
  let tokenAsked = 0;
  const client = new ZmartyClient({
    baseUrl: api,
    getAccessToken: () => {
      tokenAsked++;
      return token;
    },
    fetch: async (url, request) => {
      sent.push({ url: String(url), authorization: new Headers(request.headers).get("Authorization") });
      return String(url).includes("/audio/")
        ? new Response(new Uint8Array([0xff, 0xfb, 0x90]), { status: 200, headers: { "Content-Type": "audio/mpeg" } })
        : Response.json({ balance: 100, held: 0, available: 100 });
    },
  });
  return { client, sent, tokenAsked: () => tokenAsked };
}

test("an audio_url on the Api's origin is fetched with the token", async () => {
  const { client, sent } = recording();
  const blob = await client.audio(`${api}/audio/4b6c?expires=1795600000&sig=abc`);
  assert.equal(blob.size, 3);
  assert.deepEqual(sent, [{ url: `${api}/audio/4b6c?expires=1795600000&sig=abc`, authorization: `Bearer ${token}` }]);
});

test("a relative audio_url resolves against the Api and gets the token", async () => {
  const { client, sent } = recording();
  await client.audio("/audio/4b6c");
  assert.deepEqual(sent, [{ url: `${api}/audio/4b6c`, authorization: `Bearer ${token}` }]);
});

test("an audio_url on any other origin is fetched without the token, which is not even asked for", async () => {
  const elsewhere = [
    "https://cdn.elsewhere.test/audio/4b6c?expires=1795600000&sig=abc",
    "http://api.zmarty.test/audio/4b6c",
    "https://api.zmarty.test:8443/audio/4b6c",
    "https://api.zmarty.test.evil.test/audio/4b6c",
    "https://api.zmarty.test@evil.test/audio/4b6c",
    "//evil.test/audio/4b6c",
  ];
  for (const link of elsewhere) {
    const { client, sent, tokenAsked } = recording();
    await client.audio(link);
    assert.equal(sent.length, 1, link);
    assert.equal(sent[0].authorization, null, `${link} got the token`);
    assert.notEqual(new URL(sent[0].url).origin, api, link);
    assert.equal(tokenAsked(), 0, link);
  }
});

test("an audio_url that is no http or https link is refused before anything is sent", async () => {
  for (const link of ["javascript:alert(1)", "file:///etc/passwd", "data:audio/mpeg;base64,AAAA"]) {
    const { client, sent } = recording();
    await assert.rejects(client.audio(link), (error) => error instanceof ZmartyError && error.error === "invalid_request");
    assert.equal(sent.length, 0, link);
  }
});

test("the Api's own calls carry the token", async () => {
  const { client, sent } = recording();
  await client.credits();
  await client.removeSymbol(7);
  assert.deepEqual(sent.map((s) => s.authorization), [`Bearer ${token}`, `Bearer ${token}`]);
  assert.ok(sent.every((s) => new URL(s.url).origin === api));
});
