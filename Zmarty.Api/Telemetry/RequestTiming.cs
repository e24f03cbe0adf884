using System.Diagnostics;
using System.Globalization;

namespace Zmarty.Api.Telemetry;

/// <summary>
/// How long a request has taken, and how much of that was spent waiting on model providers, so every
/// response can say what Zmarty itself cost (<see cref="HeaderName"/>, and in the chat metadata).
/// </summary>
public sealed class RequestTiming
{
    public const string HeaderName = "X-Zmarty-Overhead-Ms";

    private readonly long _started = Stopwatch.GetTimestamp();
    private long _providerTicks;

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_started);

    public TimeSpan Provider => TimeSpan.FromTicks(Interlocked.Read(ref _providerTicks));

    public TimeSpan Overhead => Elapsed - Provider;

    public void AddProvider(TimeSpan time) => Interlocked.Add(ref _providerTicks, time.Ticks);

    public static RequestTiming Of(HttpContext context) =>
        context.Features.Get<RequestTiming>() ?? throw new InvalidOperationException("UseRequestTiming is not in the pipeline.");

    /// <summary>Starts the clock first thing, and writes the overhead header when the response starts.</summary>
    public static IApplicationBuilder UseRequestTiming(IApplicationBuilder app) => app.Use((context, next) =>
    {
        var timing = new RequestTiming();
        context.Features.Set(timing);
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[HeaderName] = timing.Overhead.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture);
            return Task.CompletedTask;
        });
        return next(context);
    });
}
