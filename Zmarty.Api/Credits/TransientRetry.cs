using Npgsql;

namespace Zmarty.Api.Credits;

/// <summary>
/// Retries a write to A while A is briefly unreachable (a restart, a failover): the credit functions
/// and the Idempotency-Key records are idempotent per request id, so a repeat is harmless, and giving
/// up early would leave a reply unpaid or a hold held. Gives up after the window, rethrowing.
/// </summary>
public static class TransientRetry
{
    public static bool IsTransient(Exception exception) => exception is NpgsqlException { IsTransient: true } or TimeoutException;

    public static async Task<T> RunAsync<T>(Func<Task<T>> operation, TimeSpan window, TimeProvider time, Action<int, Exception> onRetry)
    {
        var giveUpAt = time.GetUtcNow() + window;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation();
            }
            catch (Exception ex) when (IsTransient(ex) && time.GetUtcNow() < giveUpAt)
            {
                onRetry(attempt, ex);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * attempt * attempt)), time);
            }
        }
    }
}
