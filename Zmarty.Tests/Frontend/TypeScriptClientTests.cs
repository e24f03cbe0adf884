using Xunit.Abstractions;
using Zmarty.Testing;
using Zmarty.Tests.Chat;

namespace Zmarty.Tests.Frontend;

/// <summary>
/// <c>clients/typescript</c> against the running system: its generated types are what the Api's OpenAPI document
/// generates, and its Node tests (<c>test/</c>) pass against the Api with users made here.
/// </summary>
[Collection(ChatSystemCollection.Name)]
public sealed class TypeScriptClientTests(ChatSystemFixture system, ITestOutputHelper output)
{
    [Fact]
    public async Task The_committed_types_are_what_the_apis_openapi_document_generates()
    {
        FrontendFiles.AssertClientBuilt();
        using var api = system.CreateApiClient();
        var document = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(document, await api.GetStringAsync("/openapi/v1.json"));
            var check = await Command.RunAsync("node", ["scripts/generate.mjs", "--check", "--from", document], FrontendFiles.Client);
            output.WriteLine(check.Output);
            Assert.True(check.ExitCode == 0, check.Output);
        }
        finally
        {
            File.Delete(document);
        }
    }

    [Fact]
    public async Task The_client_chats_streams_retries_reads_and_changes_the_users_data_and_reports_typed_errors()
    {
        FrontendFiles.AssertClientBuilt();
        var pro = await system.CreateUserAsync("pro");
        var free = await system.CreateUserAsync("free");
        var broke = await system.CreateUserAsync("pro", balance: 0);
        var symbol = await FrontendFiles.SeedSignalAsync(system);

        var settings = new Dictionary<string, string>
        {
            ["ZMARTY_API_URL"] = system.ApiUrl.ToString(),
            ["ZMARTY_TEST_PRO_TOKEN"] = pro.Token,
            ["ZMARTY_TEST_FREE_TOKEN"] = free.Token,
            ["ZMARTY_TEST_BROKE_TOKEN"] = broke.Token,
            ["ZMARTY_TEST_SIGNAL_SYMBOL"] = symbol,
        };
        var run = await Command.RunAsync("node", ["--test", "--test-reporter=spec", "test/"], FrontendFiles.Client, settings);

        output.WriteLine(run.Output);
        Assert.True(run.ExitCode == 0, run.Output);
    }
}
