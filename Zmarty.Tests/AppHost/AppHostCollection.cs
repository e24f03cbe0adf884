namespace Zmarty.Tests.AppHost;

/// <summary>
/// Tests that start servers and services of their own, in two lanes that run side by side, one test at a time
/// within a lane. Most of such a test's time is waiting (a database stopped for 10 s, a visibility timeout, a
/// cooldown), so on a 2-core machine two lanes take about half the time one does, where a third only adds contention.
/// The lanes start first (<see cref="LanesFirst"/>) and are balanced by their tests' durations, the second lane's
/// counting the short collections that run after it (docs/benchmarks.md, "The test suite").
/// </summary>
[CollectionDefinition(Name)]
public sealed class AppHostCollection
{
    /// <summary>The fault suite, the pipeline, migrations, /healthz.</summary>
    public const string Name = "AppHost";
}

/// <summary>The symbol sync, the environment itself (start, stop, secrets, dev tokens), and the admin's login and browser.</summary>
[CollectionDefinition(Name)]
public sealed class AppHostSecondCollection
{
    public const string Name = "AppHost, second lane";
}
