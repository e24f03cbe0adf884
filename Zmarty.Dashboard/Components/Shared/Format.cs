using System.Globalization;

namespace Zmarty.Dashboard.Components.Shared;

internal static class Format
{
    public static string Time(DateTimeOffset time) => time.ToLocalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);

    public static string Duration(TimeSpan duration) => duration.TotalMilliseconds switch
    {
        < 1 => $"{duration.TotalMicroseconds:0} μs",
        < 1000 => $"{duration.TotalMilliseconds:0.##} ms",
        _ => $"{duration.TotalSeconds:0.##} s",
    };

    /// <summary>A resource's colour, the same on every page and every run (from its name, not its order of arrival).</summary>
    public static string Colour(string resource)
    {
        string[] palette = ["#0f6cbd", "#c50f1f", "#107c10", "#8764b8", "#ca5010", "#038387", "#986f0b", "#e3008c"];
        var hash = 0;
        foreach (var c in resource)
        {
            hash = unchecked(hash * 31 + c);
        }

        return palette[(hash & int.MaxValue) % palette.Length];
    }
}
