using Microsoft.Extensions.Options;
using Npgsql;

namespace Zmarty.Api.Credits;

/// <summary>
/// Releases holds an Api instance left open (it died between hold and settle), on a schedule: A has
/// no pg_cron, so the Api runs <c>credits_release_expired</c> itself. Several instances may run it at
/// once; the function locks each account, so that is harmless.
/// </summary>
public sealed partial class ExpiredHoldReleaser(
    CreditLedger ledger, IOptions<CreditsOptions> options, TimeProvider time, ILogger<ExpiredHoldReleaser> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReleaseExpiredEvery, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var released = await ledger.ReleaseExpiredAsync(options.Value.HoldLifetime, stoppingToken);
                if (released > 0)
                {
                    LogReleased(logger, released);
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                // A is down for a moment; the next tick tries again.
                LogFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Released {Count} expired credit holds")]
    private static partial void LogReleased(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Releasing expired credit holds failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

/// <summary>Credit accounting settings of the Api (section <c>Credits</c>; prices are <c>Credits:Pricing</c>).</summary>
public sealed class CreditsOptions
{
    public const string SectionName = "Credits";

    /// <summary>A hold older than this belongs to a request that died; it is released without charge.</summary>
    public TimeSpan HoldLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often expired holds are looked for.</summary>
    public TimeSpan ReleaseExpiredEvery { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long settling a delivered reply is retried while A is unreachable (a restart, a failover).</summary>
    public TimeSpan SettleRetryWindow { get; set; } = TimeSpan.FromSeconds(30);
}
