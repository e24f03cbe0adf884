namespace Zmarty.Tests;

/// <summary>The checkout the tests were built from: they run from <c>ROOT/Zmarty.Tests/bin/CONFIGURATION/TFM/</c>.</summary>
internal static class Checkout
{
    public static string Root { get; } = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", ".."));

    public static string ReadFile(string relativePath) => File.ReadAllText(Path.Combine(Root, relativePath));
}
