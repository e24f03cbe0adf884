using System.Globalization;
using Microsoft.Extensions.Options;
using Zmarty.Api.Auth;
using Zmarty.Api.Errors;

namespace Zmarty.Api.Limits;

/// <summary>
/// What one user may ask of <c>/me/*</c> (section <c>Limits:UserData</c>), per Api instance. The endpoints are cheap,
/// but each holds one of the instance's few connections to A while it runs: without a limit one user's loop could keep
/// the pool busy and make every chat wait for a connection, its charge included.
/// </summary>
public sealed class UserDataLimitOptions
{
    public const string SectionName = "Limits:UserData";

    /// <summary>Requests to <c>/me/*</c> per user per minute.</summary>
    public int RequestsPerMinute { get; set; } = 120;

    /// <summary>Requests to <c>/me/*</c> one user may have running at once.</summary>
    public int Concurrent { get; set; } = 4;

    /// <summary>
    /// Symbol adds, pauses, resumes and removals per user per minute: each can send B an ingestion job, which spends the
    /// shared market data budget. A's trigger holds every writer (PostgREST too) to its own, wider limit.
    /// </summary>
    public int SymbolChangesPerMinute { get; set; } = 10;
}

public sealed class UserDataLimitOptionsValidator : IValidateOptions<UserDataLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, UserDataLimitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> failures = [];
        foreach (var (key, value) in new[]
        {
            (nameof(options.RequestsPerMinute), options.RequestsPerMinute),
            (nameof(options.Concurrent), options.Concurrent),
            (nameof(options.SymbolChangesPerMinute), options.SymbolChangesPerMinute),
        })
        {
            if (value < 1)
            {
                failures.Add($"{UserDataLimitOptions.SectionName}:{key} is {value}; it must be at least 1.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>
/// The per-user limits of <c>/me/*</c> as endpoint filters, each with its own <see cref="UserLimiter"/>: a refusal is
/// 429 <c>rate_limit_exceeded</c> with <c>Retry-After</c>, and every answer carries the <c>X-RateLimit-*</c> headers of
/// the narrowest limit it passed.
/// </summary>
public static class UserDataLimits
{
    private const string Requests = "user-data";
    private const string SymbolChanges = "user-data-symbol-changes";

    public static IServiceCollection AddUserDataLimits(this IServiceCollection services)
    {
        services.AddValidatedOptions<UserDataLimitOptions, UserDataLimitOptionsValidator>(UserDataLimitOptions.SectionName);
        services.AddKeyedSingleton(Requests, (sp, _) => new UserLimiter(sp.GetRequiredService<TimeProvider>()));
        services.AddKeyedSingleton(SymbolChanges, (sp, _) => new UserLimiter(sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    /// <summary>Every request of the group counts against the user's <c>/me/*</c> rate and concurrency.</summary>
    public static TBuilder LimitedPerUser<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(Filter(Requests,
            o => new TierLimits { RequestsPerMinute = o.RequestsPerMinute, Concurrent = o.Concurrent },
            (o, concurrency) => concurrency
                ? $"At most {o.Concurrent} requests to /me at once."
                : $"At most {o.RequestsPerMinute} requests to /me a minute."))
            .ProducesErrors(StatusCodes.Status429TooManyRequests);

    /// <summary>The endpoint is a symbol change: it counts against the user's symbol changes a minute too.</summary>
    public static TBuilder LimitedSymbolChanges<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(Filter(SymbolChanges,
            o => new TierLimits { RequestsPerMinute = o.SymbolChangesPerMinute, Concurrent = int.MaxValue },
            (o, _) => $"At most {o.SymbolChangesPerMinute} symbol changes (adds, pauses, resumes, removals) a minute."));

    private static Func<EndpointFilterInvocationContext, EndpointFilterDelegate, ValueTask<object?>> Filter(
        string limiterKey, Func<UserDataLimitOptions, TierLimits> limitsOf, Func<UserDataLimitOptions, bool, string> refusal) =>
        async (context, next) =>
        {
            var http = context.HttpContext;
            var options = http.RequestServices.GetRequiredService<IOptions<UserDataLimitOptions>>().Value;
            var time = http.RequestServices.GetRequiredService<TimeProvider>();
            var limiter = http.RequestServices.GetRequiredKeyedService<UserLimiter>(limiterKey);
            var decision = limiter.TryAcquire(http.User.UserId(), limitsOf(options));
            var now = time.GetUtcNow();
            SetHeaders(http.Response, decision, now);
            if (!decision.Allowed)
            {
                return ApiErrors.Problem(
                    StatusCodes.Status429TooManyRequests, ApiErrors.RateLimitExceeded, refusal(options, decision.Concurrency),
                    new Dictionary<string, object?> { ["limit"] = decision.Limit, ["retry_after"] = decision.RetryAfterSeconds(now) });
            }

            using (decision.Lease)
            {
                return await next(context);
            }
        };

    private static void SetHeaders(HttpResponse response, RateDecision rate, DateTimeOffset now)
    {
        response.Headers["X-RateLimit-Limit"] = rate.Limit.ToString(CultureInfo.InvariantCulture);
        response.Headers["X-RateLimit-Remaining"] = rate.Remaining.ToString(CultureInfo.InvariantCulture);
        response.Headers["X-RateLimit-Reset"] = rate.ResetAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        if (!rate.Allowed)
        {
            response.Headers.RetryAfter = rate.RetryAfterSeconds(now).ToString(CultureInfo.InvariantCulture);
        }
    }
}
