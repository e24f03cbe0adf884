using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.FluentUI.AspNetCore.Components;
using Zmarty.AdminUi.Data;
using Zmarty.AdminUi.Live;
using Zmarty.Tests.Database;

namespace Zmarty.Tests.Admin;

/// <summary>
/// A bUnit context with the AdminUi's real readers and shared polls over the fixture's A and B,
/// registered as the AdminUi registers them. Fluent UI's script calls are answered loosely: there
/// is no browser here (the browser test has one).
/// </summary>
internal static class AdminPages
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    public static BunitContext Create(DatabaseFixture db)
    {
        var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        var services = context.Services;
        services.AddFluentUIComponents();
        services.AddSingleton(new DepthHistory(TimeSpan.FromHours(1)));
        services.AddSingleton(sp => new QueuesData(db.Trading, sp.GetRequiredService<DepthHistory>(), TimeProvider.System));
        services.AddSingleton(new CronData(db.Trading, TimeProvider.System));
        services.AddSingleton(new ErrorsData(db.Trading));
        services.AddSingleton(new PipelineData(db.Trading, db.Chat, TimeSpan.FromMinutes(15)));
        AddPoll<QueuesData, QueuesSnapshot>(services, d => d.ReadAsync);
        AddPoll<CronData, CronSnapshot>(services, d => d.ReadAsync);
        AddPoll<ErrorsData, ErrorsSnapshot>(services, d => d.ReadAsync);
        AddPoll<PipelineData, PipelineSnapshot>(services, d => d.ReadAsync);
        return context;
    }

    private static void AddPoll<TData, TSnapshot>(IServiceCollection services, Func<TData, Func<CancellationToken, Task<TSnapshot>>> read)
        where TData : notnull
        where TSnapshot : class =>
        services.AddSingleton(sp => new LivePoll<TSnapshot>(
            typeof(TSnapshot).Name, read(sp.GetRequiredService<TData>()), PollInterval, TimeProvider.System, NullLogger.Instance));
}
