namespace Zmarty.Tests.AppHost;

/// <summary>
/// Tests that start servers and services of their own. They run one at a time: on a 2-core machine,
/// several whole systems starting at once would only measure contention.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AppHostCollection
{
    public const string Name = "AppHost";
}
