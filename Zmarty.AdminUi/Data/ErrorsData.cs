using Npgsql;

namespace Zmarty.AdminUi.Data;

/// <summary>A warning or error a service wrote to ops.error_log.</summary>
public sealed record ErrorEntry(
    long Id, DateTimeOffset At, string Service, string Level, string Message, string? Exception, string? TraceId, string Properties);

public sealed record ErrorsSnapshot(IReadOnlyList<ErrorEntry> Entries);

/// <summary>Reads the newest rows of ops.error_log; the Errors page filters them by service and level.</summary>
public sealed class ErrorsData(NpgsqlDataSource trading)
{
    /// <summary>Newest rows read per poll; filters apply to these.</summary>
    public const int Newest = 200;

    public static readonly IReadOnlyList<string> Levels = ["warning", "error", "critical"];

    public async Task<ErrorsSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        await using var command = trading.CreateCommand(
            "select id, at, service, level, message, exception, trace_id, properties::text " +
            "from ops.error_log order by at desc, id desc limit $1");
        command.Parameters.Add(new() { Value = Newest });
        var entries = new List<ErrorEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new ErrorEntry(
                reader.GetInt64(0),
                reader.GetFieldValue<DateTimeOffset>(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.GetString(7)));
        }

        return new ErrorsSnapshot(entries);
    }
}
