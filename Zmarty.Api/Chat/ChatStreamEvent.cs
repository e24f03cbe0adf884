using System.Text.Json.Serialization;

namespace Zmarty.Api.Chat;

/// <summary>
/// One Server-Sent Event of a streamed chat, written as <c>data: {json}</c> with <c>type</c> first. Typed so the OpenAPI
/// document describes the stream, and the TypeScript client's types come from it.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(ChatStartEvent), "start")]
[JsonDerivedType(typeof(ChatTokenEvent), "token")]
[JsonDerivedType(typeof(ChatErrorEvent), "error")]
[JsonDerivedType(typeof(ChatDoneEvent), "done")]
public abstract record ChatStreamEvent;

/// <summary>The first event, once the provider's first token is in hand; with the conversation the turn goes to.</summary>
public sealed record ChatStartEvent(string Provider, Guid ConversationId) : ChatStreamEvent;

/// <summary>A piece of the reply, in order.</summary>
public sealed record ChatTokenEvent(string Content) : ChatStreamEvent;

/// <summary>The reply was cut short (<c>provider_stream_broken</c>, <c>reply_deadline</c>); <c>done</c> follows with the charge.</summary>
public sealed record ChatErrorEvent(string Error, string Message) : ChatStreamEvent;

/// <summary>The last event: what the JSON reply has, but the text, which the tokens carried.</summary>
public sealed record ChatDoneEvent(
    string Provider, ChatUsage Usage, int CreditsCharged, long CreditsRemaining, string? AudioUrl, ChatMetadata Metadata,
    Guid ConversationId)
    : ChatStreamEvent;
