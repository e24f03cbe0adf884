using Zmarty.AppHost;
using Zmarty.Testing;

namespace Zmarty.Tests.AppHost;

[Collection(AppHostCollection.Name)]
public sealed class StartupFailureTests
{
    [Fact]
    public async Task Missing_PostgreSQL_binaries_are_named_with_the_packages_to_install_and_nothing_starts()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-postgres-" + Guid.NewGuid().ToString("N")[..8]);

        var error = await Assert.ThrowsAsync<AppHostException>(() =>
            TestSystem.CreateBuilderAsync("--Supabase:Mode=process", $"--Supabase:PostgresBin={missing}"));

        Assert.Contains($"were not found in {missing}", error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install postgresql-15 postgresql-15-cron", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_postgres_mode_is_refused_with_the_modes_there_are()
    {
        var error = await Assert.ThrowsAsync<AppHostException>(() => TestSystem.CreateBuilderAsync("--Supabase:Mode=vm"));

        Assert.Contains("must be container, process or auto, not 'vm'", error.Message, StringComparison.Ordinal);
    }
}
