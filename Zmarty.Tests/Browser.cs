using Microsoft.Playwright;

namespace Zmarty.Tests;

/// <summary>What the browser tests share: Debian's Chromium (Playwright's own downloads are never used) and where screenshots go.</summary>
internal static class Browser
{
    public const string Chromium = "/usr/bin/chromium";

    public static void AssertInstalled() =>
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: ./zmarty test installs Debian's chromium package.");

    /// <summary>
    /// A full-page screenshot next to the test binaries (bin/.../screenshots); docs/screenshots has copies,
    /// so a test run leaves the tree as it was.
    /// </summary>
    public static Task ScreenshotAsync(IPage page, string name)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        return page.ScreenshotAsync(new() { Path = Path.Combine(folder, name + ".png"), FullPage = true });
    }
}
