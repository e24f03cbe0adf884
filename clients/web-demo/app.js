// The reference chat page: every call through @zmarty/client (served at /client/ by serve.mjs), from this
// page's own origin to the Api's. No framework: what matters is the client's use, which docs/frontend.md explains.
import { ZmartyClient, ZmartyError, playReply } from "/client/index.js";

const $ = (id) => document.getElementById(id);
let client;
let nextBefore = null;
let running;
// The conversation the next question continues; null starts a new one, whose id the stream's start event names.
let conversation = null;

// The page signs in wherever the Api field says, with the user's token. A link's ?api= could name anyone's server, so it
// only fills the field once the user has seen its address and accepted it.
$("api-url").value = localStorage.getItem("zmarty.api") ?? "http://127.0.0.1:5100";
offerLinkedApi(new URLSearchParams(location.search).get("api"));

function offerLinkedApi(linked) {
  if (linked == null || linked === $("api-url").value) return;
  let url;
  try {
    url = new URL(linked);
  } catch {
    url = null;
  }
  forgetLinkedApi();
  if (url?.protocol !== "http:" && url?.protocol !== "https:") {
    $("error").textContent = `The link's Api address is not an http(s) address, so it is ignored: ${linked}`;
    $("error").hidden = false;
    return;
  }

  $("api-confirm-origin").textContent = url.origin;
  $("api-confirm-url").textContent = linked;
  $("api-current").textContent = $("api-url").value;
  $("api-confirm").hidden = false;
  $("sign-in-button").disabled = true;
  $("api-accept").onclick = () => decide(linked);
  $("api-reject").onclick = () => decide(null);
}

function decide(accepted) {
  if (accepted != null) $("api-url").value = accepted;
  $("api-confirm").hidden = true;
  $("sign-in-button").disabled = false;
}

/** Drops ?api= from the address bar: the choice is made once, here, and neither a reload nor a copied link carries it on. */
function forgetLinkedApi() {
  const address = new URL(location.href);
  address.searchParams.delete("api");
  history.replaceState(null, "", address);
}

$("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const token = $("token").value.trim();
  localStorage.setItem("zmarty.api", $("api-url").value);
  // A real frontend passes supabase-js's session here: () => supabase.auth.getSession().then(s => s.data.session?.access_token).
  client = new ZmartyClient({ baseUrl: $("api-url").value, getAccessToken: () => token });
  await guarded(async () => {
    const profile = await client.profile();
    $("account").textContent =
      `Signed in: ${profile.tier} tier, ${profile.limits.max_tokens} tokens a reply, ` +
      `${profile.limits.requests_per_minute} requests a minute, voice ${profile.limits.voice ? "on" : "off"}, ` +
      `${profile.limits.active_symbols ?? "unlimited"} active symbols.`;
    $("account").hidden = false;
    $("voice").disabled = !profile.limits.voice;
    $("app").hidden = false;
    await Promise.all([refreshCredits(), refreshSymbols(), refreshConversations()]);
  });
});

$("new-conversation").addEventListener("click", () => {
  conversation = null;
  $("conversation-title").textContent = "(new conversation)";
  $("transcript").replaceChildren();
});

async function refreshConversations() {
  const page = await client.conversations({ limit: 20 });
  $("conversation-list").replaceChildren(...page.items.map((c) => {
    const item = document.createElement("li");
    const open = document.createElement("button");
    open.type = "button";
    open.textContent = `${c.title} (${c.message_count})`;
    open.addEventListener("click", () => guarded(() => openConversation(c)));
    item.append(open);
    return item;
  }));
}

/** Shows a conversation's turns (the newest 50) and makes it the one the next question continues. */
async function openConversation(c) {
  const page = await client.conversationMessages(c.id, { limit: 50 });
  conversation = c.id;
  $("conversation-title").textContent = c.title;
  $("transcript").replaceChildren();
  for (const m of page.items.reverse()) addTurn(m.role, m.content);
}

$("chat-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const message = $("message").value.trim();
  if (!message) return;
  addTurn("user", message);
  const reply = addTurn("assistant", "");
  $("message").value = "";
  $("send").disabled = true;
  $("stop").disabled = false;
  running = new AbortController();
  await guarded(async () => {
    const request = { message, mode: $("voice").checked ? "voice" : "text", conversation_id: conversation };
    const stream = client.streamChat(request, { signal: running.signal });
    for await (const chatEvent of stream) {
      if (chatEvent.type === "start") conversation = chatEvent.conversation_id;
      if (chatEvent.type === "token") reply.textContent += chatEvent.content;
      if (chatEvent.type === "error") addTurn("error", chatEvent.message);
      if (chatEvent.type === "done") {
        // Input tokens grow as a conversation goes on: the earlier turns are sent with each question.
        $("charge").textContent =
          `${chatEvent.provider} answered; ${chatEvent.usage.input_tokens} input tokens (the conversation so far included); ` +
          `${chatEvent.credits_charged} credits charged, ${chatEvent.credits_remaining} left.`;
        $("available").textContent = String(chatEvent.credits_remaining);
        if (chatEvent.audio_url) {
          $("player").hidden = false;
          await playReply(chatEvent, $("player")).catch(() => undefined); // a browser may refuse autoplay
        }
      }
    }
    await Promise.all([refreshCredits(), refreshConversations()]);
  }, reply);
  $("send").disabled = false;
  $("stop").disabled = true;
});

$("stop").addEventListener("click", () => running?.abort());

$("symbol-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  await guarded(async () => {
    await client.addSymbol({ symbol: $("symbol").value.trim().toUpperCase(), timeframe: $("timeframe").value, strategy: {} });
    $("symbol").value = "";
    await refreshSymbols();
  });
});

$("load-signals").addEventListener("click", () => guarded(async () => {
  const reply = await client.signals();
  $("signal-rows").replaceChildren(...reply.items.map((s) => row([
    `${s.symbol} ${s.timeframe}`, s.direction ?? "none yet", fixed(s.score), fixed(s.entry),
    s.win_rate == null ? "–" : `${(s.win_rate * 100).toFixed(1)} % of ${s.sample_size}`, fixed(s.risk),
  ])));
  $("available").textContent = String(reply.credits_remaining);
  await refreshCredits();
}));

$("ledger-more").addEventListener("click", () => guarded(() => refreshLedger(true)));

async function refreshCredits() {
  const credits = await client.credits();
  $("balance").textContent = String(credits.balance);
  $("available").textContent = String(credits.available);
  await refreshLedger(false);
}

async function refreshLedger(older) {
  const page = await client.ledger({ limit: 10, before: older ? nextBefore : null });
  const rows = page.items.map((e) => row([
    new Date(e.created_at).toLocaleTimeString(), e.kind, String(e.delta), e.provider, e.reason ?? "",
  ]));
  if (older) $("ledger-rows").append(...rows); else $("ledger-rows").replaceChildren(...rows);
  nextBefore = page.next_before ?? null;
  $("ledger-more").hidden = nextBefore == null;
}

async function refreshSymbols() {
  const symbols = await client.symbols();
  $("symbol-list").replaceChildren(...symbols.map((s) => {
    const item = document.createElement("li");
    item.dataset.testid = `symbol-${s.name}-${s.timeframe}`;
    item.className = s.active ? "" : "paused";
    item.append(`${s.name} ${s.timeframe}${s.active ? "" : " (paused)"}`);
    item.append(button(s.active ? "Pause" : "Resume", () => client.setSymbolActive(s.id, !s.active)));
    item.append(button("Remove", () => client.removeSymbol(s.id)));
    return item;
  }));
}

function button(label, action) {
  const element = document.createElement("button");
  element.type = "button";
  element.textContent = label;
  element.addEventListener("click", () => guarded(async () => { await action(); await refreshSymbols(); }));
  return element;
}

function row(cells) {
  const tr = document.createElement("tr");
  tr.append(...cells.map((text) => Object.assign(document.createElement("td"), { textContent: text })));
  return tr;
}

function addTurn(kind, text) {
  const turn = Object.assign(document.createElement("p"), { className: `turn ${kind}`, textContent: text });
  $("transcript").append(turn);
  return turn;
}

function fixed(value) {
  return value == null ? "–" : Number(value).toFixed(2);
}

/** Runs an action; a ZmartyError is shown with the contract's fields (what a user should be told). */
async function guarded(action, turn) {
  $("error").hidden = true;
  try {
    await action();
  } catch (error) {
    const text = !(error instanceof ZmartyError) ? String(error)
      : error.error === "insufficient_credits" ? `Not enough credits: ${error.required} needed, ${error.balance} available.`
      : error.error === "rate_limit_exceeded" ? `Slow down: try again in ${error.retryAfter} s.`
      : `${error.message} (${error.error})`;
    $("error").textContent = text;
    $("error").hidden = false;
    if (turn) turn.remove();
  }
}
