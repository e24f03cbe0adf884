using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Zmarty.Api.Chat.Context;
using Zmarty.Api.Credits;
using Zmarty.Api.Telemetry;

namespace Zmarty.Api.Chat;

/// <summary>
/// What a chat was priced with: the profile it expects A to have, the symbols it asked for and how many
/// of the user's rows they select, and the first provider's worst case, to hold under <paramref name="RequestId"/>;
/// the conversation it continues (null: a new one) and how many tokens of its history to read.
/// </summary>
public sealed record ChatHold(
    UserProfile Expected, IReadOnlyList<string>? Symbols, int Selected, string Provider, int Amount, string RequestId,
    Guid? Conversation = null, int HistoryTokens = 0);

/// <summary>An earlier message of the conversation, as the user saw it: <c>user</c> or <c>assistant</c>.</summary>
public sealed record HistoryMessage(string Role, string Content);

/// <summary>
/// What a settled chat adds to its conversation: the title (used when the conversation is new), the question and the
/// delivered answer (cleaned and bounded for A) with their token counts; <paramref name="Partial"/> for a cut stream.
/// </summary>
public sealed record ConversationTurn(
    Guid Conversation, string Title, string Question, int QuestionTokens, string Answer, int AnswerTokens, bool Partial);

/// <summary>What A did with a chat's first call (<c>public.chat_begin</c>).</summary>
public abstract record ChatStart
{
    /// <summary>
    /// Claimed (with a key) and held; the profile's balance and available are after the hold. <paramref name="History"/>:
    /// the conversation's newest messages within the budget, oldest first.
    /// </summary>
    public sealed record Held(UserProfile Profile, IReadOnlyList<HistoryMessage> History) : ChatStart;

    /// <summary>The conversation asked for is not the user's (or does not exist): nothing was written.</summary>
    public sealed record NoConversation : ChatStart;

    /// <summary>A's profile is not the expected one (or is gone): nothing was written.</summary>
    public sealed record Changed(UserProfile? Profile) : ChatStart;

    /// <summary>The hold did not fit the user's available credits: nothing was written.</summary>
    public sealed record Insufficient(long Balance, long Available) : ChatStart;

    public sealed record Replay(ChatResponse Response) : ChatStart;

    /// <summary>The key's run was answered and charged, but its reply could not be kept for replays.</summary>
    public sealed record NotKept : ChatStart;

    public sealed record InProgress : ChatStart;

    public sealed record DifferentBody : ChatStart;
}

/// <summary>
/// A's side of one chat in two round trips: <see cref="BeginAsync"/> (profile, Idempotency-Key claim,
/// first hold) before the provider is called and <see cref="SettleAsync"/> (charge and the key's
/// stored reply, through <see cref="CreditLedger"/>, as fallback holds and releases) after.
/// </summary>
public sealed partial class ChatLedger(
    [FromKeyedServices("chat")] NpgsqlDataSource chat, CreditLedger ledger, IOptions<CreditsOptions> credits, ILogger<ChatLedger> logger)
{
    private static readonly JsonSerializerOptions s_json = StorableText.WithCleanStrings(new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    });

    public async Task<ChatStart> BeginAsync(Guid user, ChatHold hold, ChatKey? key, CancellationToken cancellationToken)
    {
        using var activity = ZmartyTelemetry.Source.StartActivity("chat begin");
        activity?.SetTag("zmarty.credits.request_id", hold.RequestId);
        activity?.SetTag("zmarty.credits.requested", hold.Amount);
        await using var command = chat.CreateCommand($"""
            select outcome, {UserContextStore.ProfileColumns}, response::text, history::text
            from public.chat_begin($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
            """);
        var expected = hold.Expected;
        command.Parameters.Add(new NpgsqlParameter { Value = user });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = (object?)hold.Symbols?.ToArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text,
        });
        command.Parameters.Add(new NpgsqlParameter { Value = expected.Tier });
        command.Parameters.Add(new NpgsqlParameter { Value = expected.MaxTokens });
        command.Parameters.Add(new NpgsqlParameter { Value = expected.RequestsPerMinute });
        command.Parameters.Add(new NpgsqlParameter { Value = hold.Selected });
        command.Parameters.Add(new NpgsqlParameter { Value = hold.Amount });
        command.Parameters.Add(new NpgsqlParameter { Value = hold.RequestId });
        command.Parameters.Add(Jsonb(JsonSerializer.Serialize(new { provider = hold.Provider, kind = "chat" })));
        command.Parameters.Add(Text(key?.Key));
        command.Parameters.Add(Text(key?.BodyHash));
        command.Parameters.Add(Text(key?.RunId));
        command.Parameters.Add(new NpgsqlParameter { Value = credits.Value.HoldLifetime, NpgsqlDbType = NpgsqlDbType.Interval });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = (object?)hold.Conversation ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid,
        });
        command.Parameters.Add(new NpgsqlParameter { Value = hold.HistoryTokens });
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return new ChatStart.Changed(null);
            }

            var outcome = reader.GetString(0);
            activity?.SetTag("zmarty.chat.begin", outcome);
            var profile = UserContextStore.ReadProfile(reader, 1);
            return outcome switch
            {
                "held" => new ChatStart.Held(profile, History(reader.IsDBNull(9) ? null : reader.GetString(9))),
                "no_conversation" => new ChatStart.NoConversation(),
                "read" => new ChatStart.Changed(profile),
                "replay" => new ChatStart.Replay(JsonSerializer.Deserialize<ChatResponse>(reader.GetString(8), s_json)!),
                "not_kept" => new ChatStart.NotKept(),
                "in_progress" => new ChatStart.InProgress(),
                "different_body" => new ChatStart.DifferentBody(),
                _ => throw new InvalidOperationException($"public.chat_begin returned an unknown outcome '{outcome}'."),
            };
        }
        catch (PostgresException ex) when (CreditLedger.Translate(ex) is { } failure)
        {
            return failure.Failure == CreditFailure.Insufficient
                ? new ChatStart.Insufficient(failure.Balance ?? expected.Balance, failure.Available ?? expected.Available)
                : throw failure;
        }
    }

    /// <summary>
    /// Charges the hold <paramref name="requestId"/>, adds <paramref name="turn"/> to its conversation and, for a run with
    /// a key, stores <paramref name="reply"/> (its text cleaned for A) as the key's result with the charge's figures. The
    /// copy is for replays only: when A refuses it, the charge (and the turn) is made without it, and the key is completed
    /// without a reply. A repeat is harmless.
    /// </summary>
    public async Task<CreditResult> SettleAsync(
        string requestId, int amount, string provider, object units, object metadata, ChatKey? key, ChatResponse reply,
        ConversationTurn? turn)
    {
        // Not the request's token: what was generated is charged even when the client has gone.
        if (key is null)
        {
            return await ledger.SettleChatAsync(
                requestId, amount, provider, units, metadata, null, null, null, turn, CancellationToken.None);
        }

        try
        {
            return await ledger.SettleChatAsync(requestId, amount, provider, units, metadata, key.Key, key.RunId,
                JsonSerializer.Serialize(reply, s_json), turn, CancellationToken.None);
        }
        catch (Exception ex) when (!TransientRetry.IsTransient(ex) && !IsCreditRefusal(ex))
        {
            // A second round trip only on this path: a copy refused is the only cost, never the charge.
            LogReplyNotKept(logger, requestId, ex);
            return await ledger.SettleChatAsync(requestId, amount, provider, units, metadata, key.Key, key.RunId, null,
                turn, CancellationToken.None);
        }
    }

    private static IReadOnlyList<HistoryMessage> History(string? json) =>
        json is null ? [] : JsonSerializer.Deserialize<List<HistoryMessage>>(json, s_json) ?? [];

    /// <summary>The credit functions' own refusals (class ZC): settling again without the copy would be refused alike.</summary>
    private static bool IsCreditRefusal(Exception exception) =>
        exception is CreditException { InnerException: PostgresException { SqlState: ['Z', 'C', ..] } };

    /// <summary>Nothing was charged: a retry with the same key runs again. Only the run that holds the key can fail it.</summary>
    public async Task FailAsync(Guid user, ChatKey key)
    {
        await using var command = chat.CreateCommand("""
            update public.chat_requests set status = 'failed', updated_at = now()
            where user_id = $1 and idempotency_key = $2 and run_id = $3 and status = 'pending'
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = user });
        command.Parameters.Add(new NpgsqlParameter { Value = key.Key });
        command.Parameters.Add(new NpgsqlParameter { Value = key.RunId });
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }

    [LoggerMessage(Level = LogLevel.Error,
        Message = "The reply of {RequestId} could not be kept for replays; it is charged without it, and its key answers reply_not_kept")]
    private static partial void LogReplyNotKept(ILogger logger, string requestId, Exception exception);

    private static NpgsqlParameter Text(string? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter Jsonb(string? json) =>
        new() { Value = (object?)json ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb };
}
