using Microsoft.Extensions.DependencyInjection;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Timeout;
using Zmarty.Api.Chat;
using Zmarty.Api.Chat.Router;

namespace Zmarty.Tests.Chat;

/// <summary>Each provider's Polly pipeline, as the Api registers it: a timeout inside a circuit breaker.</summary>
public sealed class ProviderPipelineTests
{
    private static Polly.ResiliencePipeline Pipeline(Action<RouterOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOptions<ChatOptions>().Configure(options => configure(options.Router));
        ProviderClients.AddTo(services, new ChatOptions());
        return services.BuildServiceProvider().GetRequiredService<ResiliencePipelineProvider<string>>()
            .GetPipeline(ProviderClients.PipelineName("grok"));
    }

    [Fact]
    public async Task A_provider_that_keeps_failing_is_skipped_once_its_circuit_opens()
    {
        var pipeline = Pipeline(router =>
        {
            router.MinimumThroughput = 4;
            router.BreakDuration = TimeSpan.FromMinutes(5);
        });
        var calls = 0;

        for (var i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => pipeline.ExecuteAsync<int>(_ =>
            {
                calls++;
                throw new HttpRequestException("provider down");
            }).AsTask());
        }

        await Assert.ThrowsAsync<BrokenCircuitException>(() => pipeline.ExecuteAsync(_ => ValueTask.FromResult(++calls)).AsTask());
        Assert.Equal(4, calls);
    }

    [Fact]
    public async Task The_callers_own_errors_do_not_open_the_circuit()
    {
        var pipeline = Pipeline(router => router.MinimumThroughput = 2);

        for (var i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() =>
                pipeline.ExecuteAsync<int>(_ => throw new InvalidOperationException("a bug of ours")).AsTask());
        }

        Assert.Equal(7, await pipeline.ExecuteAsync(_ => ValueTask.FromResult(7)));
    }

    [Fact]
    public async Task A_call_past_the_timeout_is_cancelled_and_reported_as_a_timeout()
    {
        var pipeline = Pipeline(router => router.Timeout = TimeSpan.FromMilliseconds(100));
        var cancelled = false;

        await Assert.ThrowsAsync<TimeoutRejectedException>(() => pipeline.ExecuteAsync(async token =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            catch (OperationCanceledException)
            {
                cancelled = true;
                throw;
            }
        }).AsTask());

        Assert.True(cancelled);
        Assert.True(ProviderFailure.IsProviderFault(new TimeoutRejectedException()));
    }
}
