using System.Net.Sockets;
using Microsoft.AspNetCore.Connections.Features;

namespace Zmarty.Emulators.Control;

/// <summary>
/// Applies a fault plan to one request the same way for every emulated vendor; the vendor supplies
/// only its error body.
/// </summary>
public static class FaultGate
{
    // A stalled answer waits for the client to give up; this bounds it so no request lives forever.
    private static readonly TimeSpan s_longestStall = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan s_sendGrace = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Waits the plan's latency, then answers for the faults that replace the response (fail, stall,
    /// rate limit) and returns true; returns false when the vendor should answer (ok, break_stream).
    /// </summary>
    public static async Task<bool> TryFailAsync(
        HttpContext context, Fault fault, Func<int, string, object> errorBody, CancellationToken cancellationToken)
    {
        if (fault.LatencyMs > 0)
        {
            await Task.Delay(fault.LatencyMs, cancellationToken);
        }

        switch (fault.Mode)
        {
            case FaultMode.Fail:
                context.Response.StatusCode = fault.Status;
                var message = fault.Message ?? "The emulated provider failed as told.";
                await context.Response.WriteAsJsonAsync(errorBody(fault.Status, message), cancellationToken);
                return true;
            case FaultMode.RateLimit:
                context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.Response.Headers.RetryAfter = "1";
                await context.Response.WriteAsJsonAsync(errorBody(429, "Rate limit reached (emulated)."), cancellationToken);
                return true;
            case FaultMode.Stall:
                try
                {
                    await Task.Delay(s_longestStall, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    // The client gave up, which is what a stall is for.
                }

                context.Abort();
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// Drops the connection in the middle of an answer, after what was sent has left: a FIN, so the
    /// client reads every byte written so far and then an unexpected end, as when a provider dies.
    /// </summary>
    public static async Task BreakConnectionAsync(HttpContext context)
    {
        await context.Response.Body.FlushAsync();
        // A flush hands the bytes to Kestrel's socket sender, which writes them a moment later; closing
        // the socket before that would lose them. There is no signal for "sent", so give it the moment.
        await Task.Delay(s_sendGrace);
        context.Features.Get<IConnectionSocketFeature>()?.Socket.Shutdown(SocketShutdown.Send);
        context.Abort();
    }
}
