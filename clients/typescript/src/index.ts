export { ZmartyClient } from "./client.js";
export type {
  ChatDone, ChatEvent, ChatOptions, ChatReply, ChatRequest, Conversation, ConversationChange, ConversationMessage,
  ConversationPage, CreditBalance, LedgerPage, MessagePage, NewSymbol, Profile, SendOptions, SignalsReply, WatchedSymbol,
  ZmartyClientOptions,
} from "./client.js";
export { ZmartyError } from "./errors.js";
export type { ErrorBody, ErrorCode } from "./errors.js";
export { readEvents } from "./sse.js";
export { playReply } from "./audio.js";
export type { components, paths } from "./generated/api.js";
