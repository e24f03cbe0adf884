using Cronos;
using Npgsql;

namespace Zmarty.AdminUi.Data;

/// <summary>One run of a cron job, by pg_cron or by "run now".</summary>
public sealed record CronRun(long RunId, long JobId, string Status, string? Message, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt)
{
    public TimeSpan? Duration => StartedAt is { } start && EndedAt is { } end ? end - start : null;
}

/// <summary>A pg_cron job with its last run, its next run time and its recent runs.</summary>
public sealed record CronJob(
    long JobId, string Name, string Schedule, string Command, bool Active, DateTimeOffset? NextRunAt, IReadOnlyList<CronRun> Runs)
{
    public CronRun? LastRun => Runs.Count > 0 ? Runs[0] : null;
}

public sealed record CronSnapshot(IReadOnlyList<CronJob> Jobs);

/// <summary>Reads pg_cron's jobs and runs in Supabase B through the ops functions; runs, pauses and resumes jobs.</summary>
public sealed class CronData(NpgsqlDataSource trading, TimeProvider time)
{
    /// <summary>Runs kept per job on the page.</summary>
    public const int RunsShown = 10;

    public async Task<CronSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await trading.OpenConnectionAsync(cancellationToken);
        var runs = new List<CronRun>();
        await using (var command = new NpgsqlCommand(
            "select runid, jobid, status, return_message, start_time, end_time from ops.cron_runs($1)", connection))
        {
            command.Parameters.Add(new() { Value = RunsShown });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                runs.Add(new CronRun(
                    reader.GetInt64(0),
                    reader.GetInt64(1),
                    reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
                    reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5)));
            }
        }

        var runsByJob = runs.ToLookup(r => r.JobId);
        var now = time.GetUtcNow();
        var jobs = new List<CronJob>();
        await using (var command = new NpgsqlCommand("select jobid, jobname, schedule, command, active from ops.cron_jobs()", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var jobId = reader.GetInt64(0);
                var schedule = reader.GetString(2);
                var active = reader.GetBoolean(4);
                jobs.Add(new CronJob(
                    jobId,
                    reader.IsDBNull(1) ? $"job {jobId}" : reader.GetString(1),
                    schedule,
                    reader.GetString(3),
                    active,
                    active ? NextRun(schedule, now) : null,
                    [.. runsByJob[jobId]]));
            }
        }

        return new CronSnapshot(jobs);
    }

    /// <summary>
    /// The next time pg_cron starts a job with this schedule after <paramref name="now"/>. pg_cron 1.4
    /// reads schedules in GMT, minute granularity; null for what it accepts beyond standard cron
    /// (<c>@reboot</c>, an interval in seconds) or a schedule that cannot be read.
    /// </summary>
    public static DateTimeOffset? NextRun(string schedule, DateTimeOffset now)
    {
        try
        {
            return CronExpression.Parse(schedule, CronFormat.Standard).GetNextOccurrence(now, TimeZoneInfo.Utc);
        }
        catch (CronFormatException)
        {
            return null;
        }
    }

    /// <summary>Runs a job's command now, as pg_cron would, and returns the recorded run.</summary>
    public async Task<CronRun> RunNowAsync(CronJob job, CancellationToken cancellationToken)
    {
        await using var command = trading.CreateCommand(
            "select runid, status, return_message, start_time, end_time from ops.cron_run_now($1)");
        command.Parameters.Add(new() { Value = job.Name });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new CronRun(
            reader.GetInt64(0),
            job.JobId,
            reader.GetString(1),
            reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.GetFieldValue<DateTimeOffset>(3),
            reader.GetFieldValue<DateTimeOffset>(4));
    }

    /// <summary>Pauses (<paramref name="active"/> false) or resumes a job.</summary>
    public async Task SetActiveAsync(CronJob job, bool active, CancellationToken cancellationToken)
    {
        await using var command = trading.CreateCommand("select ops.cron_set_active($1, $2)");
        command.Parameters.Add(new() { Value = job.Name });
        command.Parameters.Add(new() { Value = active });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
