using System.Globalization;

namespace Zmarty.AdminUi.Components.Shared;

/// <summary>How the pages write times, ages and numbers: UTC, as the databases and pg_cron keep them.</summary>
public static class Format
{
    public static string Time(DateTimeOffset? at) =>
        at is { } value ? value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "—";

    public static string Age(double? seconds) => seconds switch
    {
        null => "—",
        < 60 => $"{seconds:0} s",
        < 3600 => $"{seconds / 60:0.#} min",
        < 86400 => $"{seconds / 3600:0.#} h",
        _ => $"{seconds / 86400:0.#} d",
    };

    public static string Duration(TimeSpan? duration) => duration switch
    {
        null => "—",
        { TotalSeconds: < 1 } d => $"{d.TotalMilliseconds:0} ms",
        { TotalMinutes: < 1 } d => $"{d.TotalSeconds:0.0} s",
        { } d => $"{d.TotalMinutes:0.0} min",
    };

    public static string Number(double? value, string format = "0.#") =>
        value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "—";
}
