using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Zmarty.Api.Credits;

namespace Zmarty.Api.Chat;

/// <summary>What claiming an Idempotency-Key found.</summary>
public abstract record IdempotencyClaim
{
    /// <summary>This request runs; its credit request ids carry <paramref name="Attempt"/> (a retry after a failure is a new attempt).</summary>
    public sealed record Run(int Attempt) : IdempotencyClaim;

    public sealed record Replay(ChatResponse Response) : IdempotencyClaim;

    public sealed record InProgress : IdempotencyClaim;

    public sealed record DifferentBody : IdempotencyClaim;
}

/// <summary>
/// Idempotency-Key for <c>POST /chat</c>, kept in A (<c>chat_requests</c>): the first request with a
/// key runs; a retry with the same key and body gets the stored result without a second charge; a
/// request that failed without a charge can be retried; the same key with another body is refused.
/// </summary>
public sealed class ChatIdempotency([FromKeyedServices("chat")] NpgsqlDataSource chat, IOptions<CreditsOptions> credits)
{
    public const int MaxKeyLength = 100;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public static string Hash(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));

    public async Task<IdempotencyClaim> ClaimAsync(Guid user, string key, string bodyHash, CancellationToken cancellationToken)
    {
        // A pending row older than a hold's lifetime belongs to a request that died; its hold is released by now.
        await using var claim = chat.CreateCommand("""
            insert into public.chat_requests as r (user_id, idempotency_key, request_hash)
            values ($1, $2, $3)
            on conflict (user_id, idempotency_key) do update
              set attempt = r.attempt + 1, status = 'pending', response = null, updated_at = now()
              where r.request_hash = excluded.request_hash
                and (r.status = 'failed' or (r.status = 'pending' and r.updated_at < now() - $4))
            returning attempt
            """);
        claim.Parameters.Add(new NpgsqlParameter { Value = user });
        claim.Parameters.Add(new NpgsqlParameter { Value = key });
        claim.Parameters.Add(new NpgsqlParameter { Value = bodyHash });
        claim.Parameters.Add(new NpgsqlParameter { Value = credits.Value.HoldLifetime, NpgsqlDbType = NpgsqlDbType.Interval });
        if (await claim.ExecuteScalarAsync(cancellationToken) is int attempt)
        {
            return new IdempotencyClaim.Run(attempt);
        }

        await using var read = chat.CreateCommand(
            "select request_hash, status, response::text from public.chat_requests where user_id = $1 and idempotency_key = $2");
        read.Parameters.Add(new NpgsqlParameter { Value = user });
        read.Parameters.Add(new NpgsqlParameter { Value = key });
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken) || reader.GetString(0) != bodyHash)
        {
            return new IdempotencyClaim.DifferentBody();
        }

        return reader.GetString(1) == "completed" && !reader.IsDBNull(2)
            ? new IdempotencyClaim.Replay(JsonSerializer.Deserialize<ChatResponse>(reader.GetString(2), s_json)!)
            : new IdempotencyClaim.InProgress();
    }

    public Task CompleteAsync(Guid user, string key, ChatResponse response) =>
        FinishAsync(user, key, "completed", JsonSerializer.Serialize(response, s_json));

    /// <summary>Nothing was charged: a retry with the same key runs again.</summary>
    public Task FailAsync(Guid user, string key) => FinishAsync(user, key, "failed", null);

    private async Task FinishAsync(Guid user, string key, string status, string? response)
    {
        // Not the request's token: a client that went away still gets its result recorded.
        await using var command = chat.CreateCommand(
            "update public.chat_requests set status = $3, response = $4, updated_at = now() where user_id = $1 and idempotency_key = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = user });
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        command.Parameters.Add(new NpgsqlParameter { Value = status });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)response ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb });
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }
}
