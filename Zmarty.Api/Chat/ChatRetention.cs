using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Zmarty.Api.Voice;

namespace Zmarty.Api.Chat;

/// <summary>How long A keeps what <c>POST /chat</c> stores besides credits (section <c>Chat:Retention</c>).</summary>
public sealed class ChatRetentionOptions
{
    public const string SectionName = "Chat:Retention";

    /// <summary>Idempotency-Key records: a client retries within minutes, a day-old key is of no use to anyone.</summary>
    public TimeSpan IdempotencyKeys { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Voice replies (the largest rows in A); never shorter than a signed link lives.</summary>
    public TimeSpan Audio { get; set; } = TimeSpan.FromDays(30);

    public TimeSpan PruneEvery { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>The retention's rules, checked at start: a signed audio link must never point at a deleted clip.</summary>
public sealed class ChatRetentionOptionsValidator(IOptions<VoiceOptions> voice) : IValidateOptions<ChatRetentionOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatRetentionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> failures = [];
        if (options.IdempotencyKeys < TimeSpan.FromHours(1))
        {
            failures.Add($"Chat:Retention:IdempotencyKeys is {options.IdempotencyKeys}; it must be at least 1 hour.");
        }

        if (options.Audio < voice.Value.LinkLifetime || options.Audio < TimeSpan.FromHours(1))
        {
            failures.Add(
                $"Chat:Retention:Audio is {options.Audio}; " +
                $"it must be at least Voice:LinkLifetime ({voice.Value.LinkLifetime}) and 1 hour.");
        }

        if (options.PruneEvery <= TimeSpan.Zero)
        {
            failures.Add("Chat:Retention:PruneEvery must be positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>
/// Deletes old Idempotency-Key records and voice replies from A on a schedule (<c>public.chat_prune</c>):
/// A has no pg_cron, so the Api does it, as it releases expired holds. Several instances may run it at once.
/// </summary>
public sealed partial class ChatRetention(
    [FromKeyedServices("chat")] NpgsqlDataSource chat,
    IOptions<ChatRetentionOptions> options,
    IOptions<ChatOptions> chatOptions,
    TimeProvider time,
    ILogger<ChatRetention> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The first run waits a tick too: the Api touches its databases on demand, never just by starting.
        using var timer = new PeriodicTimer(options.Value.PruneEvery, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await PruneAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                // A is down for a moment; the next tick tries again.
                LogFailed(logger, ex);
            }
        }
    }

    private async Task PruneAsync(CancellationToken cancellationToken)
    {
        await using var command = chat.CreateCommand("select target, deleted from public.chat_prune($1, $2)");
        command.Parameters.Add(new NpgsqlParameter { Value = options.Value.IdempotencyKeys, NpgsqlDbType = NpgsqlDbType.Interval });
        command.Parameters.Add(new NpgsqlParameter { Value = options.Value.Audio, NpgsqlDbType = NpgsqlDbType.Interval });
        var deleted = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            deleted[reader.GetString(0)] = reader.GetInt64(1);
        }

        if (deleted.Values.Sum() > 0)
        {
            LogPruned(logger, deleted.GetValueOrDefault("public.chat_requests"), deleted.GetValueOrDefault("public.chat_audio"));
        }

        await PruneConversationsAsync(cancellationToken);
    }

    /// <summary>Conversations nobody added to for <see cref="ChatOptions.ConversationRetentionDays"/>; the ledger keeps its rows.</summary>
    private async Task PruneConversationsAsync(CancellationToken cancellationToken)
    {
        await using var command = chat.CreateCommand("select public.conversations_prune($1)");
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = TimeSpan.FromDays(chatOptions.Value.ConversationRetentionDays), NpgsqlDbType = NpgsqlDbType.Interval,
        });
        var conversations = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        if (conversations > 0)
        {
            LogConversationsPruned(logger, conversations);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pruned {Conversations} conversations and their messages from A")]
    private static partial void LogConversationsPruned(ILogger logger, long conversations);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pruned {Requests} Idempotency-Key records and {Clips} voice replies from A")]
    private static partial void LogPruned(ILogger logger, long requests, long clips);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pruning chat requests and voice replies failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
