using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestCollectionOrderer("Zmarty.Tests.AppHost.LanesFirst", "Zmarty.Tests")]

namespace Zmarty.Tests.AppHost;

/// <summary>
/// Starts the two lanes of whole-system tests before every other collection. xunit runs as many collections at a
/// time as there are cores, and the lanes are the longest by far: started last, one of them ran alone at the end
/// while the short collections had already finished.
/// </summary>
public sealed class LanesFirst : ITestCollectionOrderer
{
    private static readonly string[] s_lanes = [AppHostCollection.Name, AppHostSecondCollection.Name];

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections
            .OrderBy(c => Array.IndexOf(s_lanes, c.DisplayName) is var lane and >= 0 ? lane : s_lanes.Length)
            .ThenBy(c => c.DisplayName, StringComparer.Ordinal);
}
