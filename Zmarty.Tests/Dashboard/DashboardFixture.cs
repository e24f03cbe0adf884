using System.Net;
using Zmarty.AppHost.Hosting;
using Zmarty.AppHost.Model;
using Zmarty.AppHost.Testing;

namespace Zmarty.Tests.Dashboard;

/// <summary>The AppHost's model with the dashboard alone (no database, no service), on free ports.</summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The fixture is not started.");

    public DashboardResource Dashboard { get; private set; } = null!;

    public Uri PagesUrl => App.GetEndpoint(DashboardResource.ResourceName);

    public Uri GrpcUrl => new($"http://127.0.0.1:{Dashboard.OtlpGrpc.Port}");

    public Uri HttpUrl => new($"http://127.0.0.1:{Dashboard.OtlpHttp.Port}");

    /// <summary>A client of the pages' port, logged in with this run's one-time link.</summary>
    public HttpClient Query { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = ZmartyTestingBuilder.Create(dashboard: true).WithDashboardOnly();
        Dashboard = builder.Resources.OfType<DashboardResource>().Single();
        _app = builder.Build();
        await _app.StartAsync();
        Query = await LoggedInClientAsync();
    }

    public async Task DisposeAsync()
    {
        Query?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    private async Task<HttpClient> LoggedInClientAsync()
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = PagesUrl,
        };
        using var login = await client.GetAsync(App.DashboardLoginUrl);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        return client;
    }
}
