using Aspire.Hosting.ApplicationModel;
using Zmarty.AppHost.Commands;

namespace Zmarty.Tests.AppHost;

/// <summary><c>./zmarty env</c> reads the model without running it: the declared ports and the kept secrets.</summary>
public sealed class EnvCommandTests
{
    [Fact]
    public async Task Env_prints_services_provider_roots_dashboard_databases_and_parameters()
    {
        var variables = await VariablesAsync(
            [.. UnstartedModel.KeptSecrets, "--ASPNETCORE_URLS=http://localhost:18888",
             "--ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://localhost:18889",
             "--ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL=http://localhost:18890",
             "--AppHost:OtlpApiKey=otlp-key"]);

        Assert.Equal("http://localhost:5100", variables["ZMARTY_API_URL"]);
        Assert.Equal("http://localhost:5300/cryptometer/", variables["ZMARTY_CRYPTOMETER_URL"]);
        Assert.Equal("http://localhost:5300/kingfisher/", variables["ZMARTY_KINGFISHER_URL"]);
        Assert.Equal("http://localhost:18888", variables["ZMARTY_DASHBOARD_URL"]);
        Assert.Equal("http://localhost:18889", variables["ZMARTY_DASHBOARD_OTLP_GRPC_URL"]);
        Assert.Equal("http://localhost:18890", variables["ZMARTY_DASHBOARD_OTLP_HTTP_URL"]);
        Assert.Equal("otlp-key", variables["ZMARTY_DASHBOARD_OTLP_API_KEY"]);
        Assert.Equal("postgresql://postgres:db-password@localhost:55432/postgres", variables["ZMARTY_CHAT_DB"]);
        Assert.Equal("postgresql://postgres:db-password@localhost:55433/postgres", variables["ZMARTY_TRADING_DB"]);
        Assert.Equal("whsec_AAAA", variables["ZMARTY_WEBHOOK_SECRET"]);
        Assert.Equal(DevTokens.LocalIssuer, variables["ZMARTY_JWT_ISSUER"]);
    }

    [Fact]
    public async Task The_otlp_key_is_empty_when_the_dashboard_takes_otlp_without_one()
    {
        var variables = await VariablesAsync([.. UnstartedModel.KeptSecrets, "--AppHost:OtlpApiKey="]);

        Assert.Equal("", variables["ZMARTY_DASHBOARD_OTLP_API_KEY"]);
    }

    [Fact]
    public async Task Env_before_the_first_run_says_to_run_up_first()
    {
        // Empty, as on a machine where ./zmarty up never ran (this one's user secrets may hold values).
        var error = await Assert.ThrowsAsync<Zmarty.AppHost.AppHostException>(() => VariablesAsync(["--Parameters:jwt-secret="]));

        Assert.Equal("No kept value for jwt-secret yet: run ./zmarty up once first.", error.Message);
    }

    [Fact]
    public async Task Env_works_with_real_provider_keys_given_from_outside_and_prints_no_key()
    {
        var variables = await VariablesAsync(
            [.. UnstartedModel.KeptSecrets, "--Cryptometer:ApiKey=real-key", "--KingFisher:ApiKey=owner-key",
             "--KingFisher:BaseUrl=https://owner.supabase.co/"]);

        Assert.Equal("https://owner.supabase.co/", variables["ZMARTY_KINGFISHER_URL"]);
        Assert.False(variables.ContainsKey("ZMARTY_CRYPTOMETER_URL"));
        Assert.Equal("real-key", variables["ZMARTY_WORKER_CRYPTOMETER_APIKEY"]);
    }

    private static Task<Dictionary<string, string>> VariablesAsync(string[] args) =>
        UnstartedModel.ReadAsync(args, async (model, configuration) =>
            (await EnvCommand.VariablesAsync(model, configuration)).ToDictionary(v => v.Name, v => v.Value));
}
