using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.FluentUI.AspNetCore.Components;
using Zmarty.AdminUi.Auth;
using Zmarty.AdminUi.Extensions;
using Zmarty.Tests.Database;

namespace Zmarty.Tests.Admin;

/// <summary>
/// A bUnit context with the AdminUi's real readers and shared polls, registered as the AdminUi
/// registers them, over the fixture's A and B. Fluent UI's script calls are answered loosely:
/// there is no browser here (the browser test has one).
/// </summary>
internal static class AdminPages
{
    public static BunitContext Create(DatabaseFixture db)
    {
        var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        var services = context.Services;
        services.AddFluentUIComponents();
        services.AddLogging();
        services.AddKeyedSingleton("trading", db.Trading);
        services.AddKeyedSingleton("chat", db.Chat);
        services.Configure<AdminOptions>(options => options.PollInterval = TimeSpan.FromMilliseconds(200));
        services.AddAdminData();
        return context;
    }
}
