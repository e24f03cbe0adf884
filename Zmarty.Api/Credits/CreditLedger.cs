using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Zmarty.Api.Telemetry;

namespace Zmarty.Api.Credits;

/// <summary>What every credit operation returns (A's <c>public.credit_result</c>).</summary>
public sealed record CreditResult(
    long? LedgerId, string RequestId, Guid UserId, string Status, int Amount, long Balance, long Held, long Available, bool Replayed);

/// <summary>Why a credit operation was refused, from A's SQLSTATE class <c>ZC</c> (docs/database.md).</summary>
public enum CreditFailure
{
    Insufficient,
    UnknownUserOrRequest,
    Conflict,
    InvalidInput,
}

public sealed class CreditException(
    CreditFailure failure, string message, long? balance = null, long? required = null, Exception? inner = null, long? available = null)
    : Exception(message, inner)
{
    public CreditFailure Failure => failure;

    public long? Balance => balance;

    /// <summary>What the user could spend (the balance less their open holds), when A said.</summary>
    public long? Available => available;

    public long? Required => required;
}

/// <summary>
/// A's credit functions (hold, settle, release, release_expired): atomic per user and idempotent per
/// request id in the database. Each call is one round trip and one span on the request's trace. They run on A's
/// reserved share of connections (<c>chat-settle</c>), so reads holding every other connection never delay a charge.
/// </summary>
public sealed class CreditLedger([FromKeyedServices(Extensions.Extensions.SettleDataSource)] NpgsqlDataSource chat)
{
    /// <summary>The columns of <c>public.credit_result</c>, in the order <see cref="ReadResult"/> reads them.</summary>
    private const string Columns = "ledger_id, request_id, user_id, status, amount, balance, held, available, replayed";

    public Task<CreditResult> HoldAsync(Guid user, int amount, string requestId, object metadata, CancellationToken cancellationToken) =>
        RunAsync("hold", requestId, amount, $"select {Columns} from public.credits_hold($1, $2, $3, $4)", cancellationToken,
            user, amount, requestId, Json(metadata));

    public Task<CreditResult> SettleAsync(
        string requestId, int amount, string provider, object units, string reason, object metadata, CancellationToken cancellationToken) =>
        RunAsync("settle", requestId, amount, $"select {Columns} from public.credits_settle($1, $2, $3, $4, $5, $6)", cancellationToken,
            requestId, amount, provider, Json(units), reason, Json(metadata));

    /// <summary>
    /// A chat's settle (<c>public.chat_settle</c>): the charge and, for a run with an Idempotency-Key, the key's
    /// stored reply (<paramref name="replyJson"/>) in the same transaction.
    /// </summary>
    public Task<CreditResult> SettleChatAsync(
        string requestId, int amount, string provider, object units, object metadata, string? key, string? runId, string? replyJson,
        Chat.ConversationTurn? turn, CancellationToken cancellationToken) =>
        RunAsync("settle", requestId, amount,
            $"select {Columns} from public.chat_settle($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            cancellationToken, requestId, amount, provider, Json(units), Json(metadata), key, runId,
            replyJson is null ? null : new JsonbValue(replyJson),
            turn?.Conversation, turn?.Title, turn?.Question, turn?.QuestionTokens, turn?.Answer, turn?.AnswerTokens, turn?.Partial);

    public Task<CreditResult> ReleaseAsync(string requestId, CancellationToken cancellationToken) =>
        RunAsync("release", requestId, null, $"select {Columns} from public.credits_release($1)", cancellationToken, requestId);

    /// <summary>Releases holds older than <paramref name="olderThan"/>; returns how many.</summary>
    public async Task<int> ReleaseExpiredAsync(TimeSpan olderThan, CancellationToken cancellationToken)
    {
        using var activity = ZmartyTelemetry.Source.StartActivity("credits release_expired");
        await using var command = chat.CreateCommand("select public.credits_release_expired($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = olderThan, NpgsqlDbType = NpgsqlDbType.Interval });
        var released = (int)(await command.ExecuteScalarAsync(cancellationToken))!;
        activity?.SetTag("zmarty.credits.released_holds", released);
        return released;
    }

    private async Task<CreditResult> RunAsync(
        string operation, string requestId, int? amount, string sql, CancellationToken cancellationToken, params object?[] args)
    {
        using var activity = ZmartyTelemetry.Source.StartActivity($"credits {operation}");
        activity?.SetTag("zmarty.credits.request_id", requestId);
        activity?.SetTag("zmarty.credits.requested", amount);
        await using var command = chat.CreateCommand(sql);
        foreach (var arg in args)
        {
            command.Parameters.Add(arg is JsonbValue json
                ? new NpgsqlParameter { Value = json.Text, NpgsqlDbType = NpgsqlDbType.Jsonb }
                : new NpgsqlParameter { Value = arg ?? DBNull.Value });
        }

        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var result = ReadResult(reader, 0);
            activity?.SetTag($"zmarty.credits.{result.Status}", result.Amount);
            activity?.SetTag("zmarty.credits.replayed", result.Replayed);
            return result;
        }
        catch (PostgresException ex) when (Translate(ex) is { } failure)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.SqlState);
            throw failure;
        }
    }

    private static CreditResult ReadResult(NpgsqlDataReader reader, int first) => new(
        reader.IsDBNull(first) ? null : reader.GetInt64(first),
        reader.GetString(first + 1),
        reader.GetGuid(first + 2),
        reader.GetString(first + 3),
        reader.GetInt32(first + 4),
        reader.GetInt64(first + 5),
        reader.GetInt64(first + 6),
        reader.GetInt64(first + 7),
        reader.GetBoolean(first + 8));

    /// <summary>The credit failure a refusal by A's credit functions means, or null for any other error.</summary>
    internal static CreditException? Translate(PostgresException ex) =>
        Classify(ex) is { } failure ? ToCreditException(ex, failure) : null;

    /// <summary>
    /// By SQLSTATE: our ZC codes first, then the standard classes a stricter schema may raise for the
    /// same causes (22: bad data, 23: constraint violated), so a change of code does not become a 500.
    /// </summary>
    private static CreditFailure? Classify(PostgresException ex) => ex.SqlState switch
    {
        "ZC402" => CreditFailure.Insufficient,
        "ZC404" => CreditFailure.UnknownUserOrRequest,
        "ZC409" => CreditFailure.Conflict,
        "23505" => CreditFailure.Conflict,
        "23503" => CreditFailure.UnknownUserOrRequest,
        _ when ex.SqlState.StartsWith("ZC4", StringComparison.Ordinal) => CreditFailure.InvalidInput,
        _ when ex.SqlState.StartsWith("22", StringComparison.Ordinal) || ex.SqlState.StartsWith("23", StringComparison.Ordinal) =>
            CreditFailure.InvalidInput,
        _ => null,
    };

    private static CreditException ToCreditException(PostgresException ex, CreditFailure failure)
    {
        long? balance = null, required = null, available = null;
        if (failure == CreditFailure.Insufficient && ex.Detail is { Length: > 0 } detail && detail.StartsWith('{'))
        {
            try
            {
                using var json = JsonDocument.Parse(detail);
                balance = json.RootElement.TryGetProperty("balance", out var b) ? b.GetInt64() : null;
                required = json.RootElement.TryGetProperty("required", out var r) ? r.GetInt64() : null;
                available = json.RootElement.TryGetProperty("available", out var a) ? a.GetInt64() : null;
            }
            catch (JsonException)
            {
                // The detail is a courtesy; the caller reads the balance itself when it is missing.
            }
        }

        return new CreditException(failure, ex.MessageText, balance, required, ex, available);
    }

    private static JsonbValue Json(object value) => new(JsonSerializer.Serialize(value, StorableText.Json));

    private sealed record JsonbValue(string Text);
}
