namespace Zmarty.Tests.AppHost;

/// <summary>
/// Tests that start servers and services of their own, in three lanes that run side by side, one test at a time
/// within a lane. Most of such a test's time is waiting (a database stopped for 10 s, a visibility timeout, a
/// cooldown), so on a 2-core machine three lanes take a little over a third of the time one would; the lanes are
/// balanced by their tests' durations (docs/benchmarks.md, "The test suite").
/// </summary>
[CollectionDefinition(Name)]
public sealed class AppHostCollection
{
    /// <summary>The fault suite and the pipeline's faults.</summary>
    public const string Name = "AppHost";
}

/// <summary>The symbol sync and the pipeline's happy paths.</summary>
[CollectionDefinition(Name)]
public sealed class AppHostSecondCollection
{
    public const string Name = "AppHost, second lane";
}

/// <summary>The environment itself (start, stop, migrations, secrets), the admin's login and browser, and /healthz.</summary>
[CollectionDefinition(Name)]
public sealed class AppHostThirdCollection
{
    public const string Name = "AppHost, third lane";
}
