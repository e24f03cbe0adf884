using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Xunit.Abstractions;
using Zmarty.AppHost.Commands;
using Zmarty.Testing;
using Zmarty.Tests.Pipeline;

namespace Zmarty.Tests.Deploy;

/// <summary>
/// The one-machine deployment's self-contained variant (deploy/compose) from the images <c>./zmarty images</c> built:
/// up, migrated, healthy, a chat answered and charged, a symbol carried from A to B, its ingestion ending in a signal,
/// then down with nothing left. <c>./zmarty test</c> runs it after building the images.
/// </summary>
public sealed class ComposeSmokeTests(ITestOutputHelper output)
{
    private static readonly string s_composeFolder = Path.Combine(AppHostAssembly.FindRepositoryRoot(), "deploy", "compose");
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(3);

    [ComposeFact]
    public async Task The_self_contained_variant_starts_migrated_answers_a_charged_chat_syncs_a_symbol_makes_a_signal_and_leaves_nothing()
    {
        await using var stack = new ComposeStack(output);
        await stack.UpAsync();

        Assert.Equal(0, await stack.ExitCodeAsync("migrate-a"));
        Assert.Equal(0, await stack.ExitCodeAsync("migrate-b"));
        // The api image's migrate, as Render's pre-deploy command runs it, again on every deploy: the second run is a no-op.
        foreach (var (service, project) in new[] { ("migrate-a", "chat"), ("migrate-b", "trading") })
        {
            var (code, log) = await stack.RunAgainAsync(service);
            Assert.True(code == 0, log);
            Assert.Contains($"{project} (supabase-", log, StringComparison.Ordinal);
            Assert.Contains(": 0 file(s) applied now", log, StringComparison.Ordinal);
        }

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{stack.ApiPort}") };
        using (var health = await PipelineSystem.EventuallyAsync(() => OkAsync(http, "/healthz"), "the Api's /healthz", s_patience))
        {
            using var report = JsonDocument.Parse(await health.Content.ReadAsStringAsync());
            Assert.Equal("healthy", report.RootElement.GetProperty("status").GetString());
        }

        using (var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{stack.AdminPort}") })
        {
            using var ready = await PipelineSystem.EventuallyAsync(() => OkAsync(admin, "/health"), "the admin's /health", s_patience);
        }

        // A user of A, signed in with a token of A's JWT secret.
        var user = Guid.NewGuid();
        await stack.SqlAsync("supabase-a",
            "insert into auth.users (id, aud, role, email, raw_app_meta_data, raw_user_meta_data) " +
            $"values ('{user}', 'authenticated', 'authenticated', '{user:N}@example.com', '{{\"provider\":\"email\"}}', '{{}}')");
        var token = DevTokens.CreateAccessToken(stack.JwtSecret, user, $"{user:N}@example.com", DateTimeOffset.UtcNow,
            TimeSpan.FromHours(1), ComposeStack.JwtIssuer);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        // A chat answered by the (emulated) provider and charged what it says, once.
        var before = await CreditsAsync(http);
        using var chat = new HttpRequestMessage(HttpMethod.Post, "/chat")
        {
            Content = JsonContent.Create(new { message = "How does BTC look?" }),
        };
        chat.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var reply = await http.SendAsync(chat);
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        using var body = JsonDocument.Parse(await reply.Content.ReadAsStringAsync());
        Assert.False(string.IsNullOrWhiteSpace(body.RootElement.GetProperty("text").GetString()));
        var charged = body.RootElement.GetProperty("credits_charged").GetInt64();
        Assert.True(charged > 0);
        Assert.Equal(before - charged, await CreditsAsync(http));

        // A symbol watched in A reaches B's watchers through the Worker's relay and the Api's webhook.
        using var added = await http.PostAsJsonAsync("/me/symbols", new { symbol = "BTC/USDT", timeframe = "1h", strategy = new { } });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        await PipelineSystem.EventuallyAsync(
            async () => await stack.SqlAsync("supabase-b",
                $"select count(*) from public.watchers where user_id = '{user}' and symbol = 'BTC/USDT' and active") is "1" ? "1" : null,
            "the watcher in B", s_patience);

        // B had no data for the pair: its ingestion job runs at once, and the pipeline ends in a signal.
        await PipelineSystem.EventuallyAsync(
            async () => await stack.SqlAsync("supabase-b",
                    "select count(*) from public.signals where symbol = 'BTC/USDT' and timeframe = '1h'")
                is var count and not "0" ? count : null,
            "a signal in B", s_patience);

        await stack.DownAsync();
        Assert.Empty(await stack.LeftoversAsync());
    }

    private static async Task<long> CreditsAsync(HttpClient http)
    {
        using var credits = JsonDocument.Parse(await http.GetStringAsync("/me/credits"));
        return credits.RootElement.GetProperty("balance").GetInt64();
    }

    /// <summary>The answer when it is 200; null while the service is starting or not yet healthy.</summary>
    private static async Task<HttpResponseMessage?> OkAsync(HttpClient http, string path)
    {
        try
        {
            var response = await http.GetAsync(path);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return response;
            }

            response.Dispose();
            return null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>One compose project of the three files, with fresh secrets and free ports; always taken down.</summary>
    private sealed class ComposeStack(ITestOutputHelper output) : IAsyncDisposable
    {
        public const string JwtIssuer = "http://zmarty-smoke.local/auth/v1";
        private static readonly string[] s_files = ["compose.yaml", "compose.local.yaml", "compose.emulators.yaml"];
        private readonly string _project = $"zmarty-smoke-{Guid.NewGuid():N}"[..24];
        private bool _down;

        public int ApiPort { get; } = Ports.PickFree();

        public int AdminPort { get; } = Ports.PickFree();

        public string JwtSecret { get; } = Secret(48);

        /// <summary>What an operator's .env holds (deploy/compose/.env.example), fresh for this run.</summary>
        private IReadOnlyDictionary<string, string> Settings => _settings ??= new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ZMARTY_API_PORT"] = ApiPort.ToString(CultureInfo.InvariantCulture),
            ["ZMARTY_ADMIN_PORT"] = AdminPort.ToString(CultureInfo.InvariantCulture),
            ["DATABASE_PASSWORD"] = Secret(32),
            ["API_DB_PASSWORD"] = Secret(32),
            ["WORKER_DB_PASSWORD"] = Secret(32),
            ["ADMIN_DB_PASSWORD"] = Secret(32),
            ["SUPABASE_JWT_SECRET"] = JwtSecret,
            ["SUPABASE_JWT_ISSUER"] = JwtIssuer,
            ["WEBHOOK_SECRET"] = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["VOICE_LINK_SECRET"] = Secret(48),
            ["ADMIN_PASSWORD"] = Secret(24),
        };

        private Dictionary<string, string>? _settings;

        public async Task UpAsync()
        {
            var (code, text) = await ComposeAsync("up", "-d");
            Assert.True(code == 0, $"compose up failed ({code}): {text}");
        }

        public async Task DownAsync()
        {
            _down = true;
            var (code, text) = await ComposeAsync("down", "-v");
            Assert.True(code == 0, $"compose down failed ({code}): {text}");
            await RemoveNetworksAsync();
        }

        /// <summary>
        /// podman-compose 1.0.3 (Debian 12) leaves the project's network after down; docker compose and later versions do not.
        /// </summary>
        private async Task RemoveNetworksAsync()
        {
            var (_, names) = await RunAsync("podman", ["network", "ls", "--filter", Label, "--format", "{{.Name}}"]);
            foreach (var network in names.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                await RunAsync("podman", ["network", "rm", network]);
            }
        }

        /// <summary>A container's exit code once it has exited.</summary>
        public async Task<int> ExitCodeAsync(string service)
        {
            var (code, text) = await RunAsync("podman", ["wait", Container(service)]);
            Assert.True(code == 0, text);
            return int.Parse(text.Trim(), CultureInfo.InvariantCulture);
        }

        /// <summary>Starts an exited container again, with the same command and settings, and waits for it to exit.</summary>
        public async Task<(int ExitCode, string Output)> RunAgainAsync(string service)
        {
            var (code, text) = await RunAsync("podman", ["start", "--attach", Container(service)]);
            return (code, text);
        }

        /// <summary>One value from SQL run as the server's superuser inside its container (the databases publish no port).</summary>
        public async Task<string> SqlAsync(string service, string sql)
        {
            var (code, text) = await RunAsync("podman",
                ["exec", Container(service), "psql", "-U", "postgres", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql]);
            Assert.True(code == 0, $"psql on {service} failed: {text}");
            return text.Trim();
        }

        /// <summary>Containers, volumes and networks of the project that are still there.</summary>
        public async Task<IReadOnlyList<string>> LeftoversAsync()
        {
            List<string> left = [];
            foreach (var kind in new[] { "container", "volume", "network" })
            {
                string[] list = kind == "container" ? ["ps", "-a", "--filter", Label, "--format", "{{.Names}}"]
                    : [kind, "ls", "--filter", Label, "--format", "{{.Name}}"];
                var (_, text) = await RunAsync("podman", list);
                left.AddRange(text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(name => $"{kind} {name}"));
            }

            return left;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_down)
            {
                foreach (var service in new[] { "api", "worker", "migrate-a", "migrate-b" })
                {
                    var (_, logs) = await RunAsync("podman", ["logs", "--tail", "40", Container(service)]);
                    output.WriteLine($"--- {service}\n{logs}");
                }

                await ComposeAsync("down", "-v");
                await RemoveNetworksAsync();
            }
        }

        private string Label => $"label=io.podman.compose.project={_project}";

        private string Container(string service) => $"{_project}_{service}_1";

        private Task<Command.Result> ComposeAsync(params string[] command) =>
            RunAsync("podman-compose", ["-p", _project, .. s_files.SelectMany(f => new[] { "-f", f }), .. command], Settings);

        private static Task<Command.Result> RunAsync(
            string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null) =>
            Command.RunAsync(program, arguments, s_composeFolder, environment);

        private static string Secret(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));
    }
}

/// <summary>Runs only where <c>ZMARTY_TEST_COMPOSE=1</c>: after <c>./zmarty images</c>, as <c>./zmarty test</c> does.</summary>
public sealed class ComposeFactAttribute : FactAttribute
{
    public ComposeFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("ZMARTY_TEST_COMPOSE") != "1")
        {
            Skip = "needs the images: ./zmarty test builds them and runs this with ZMARTY_TEST_COMPOSE=1";
        }
    }
}
