using BenchmarkDotNet.Running;
using Zmarty.Benchmarks.Chat;
using Zmarty.Benchmarks.Database;
using Zmarty.Benchmarks.Pipeline;
using Zmarty.Benchmarks.Sync;

// dotnet run -c Release --project Zmarty.Benchmarks -- --filter '*TradingMath*'   (BenchmarkDotNet)
// dotnet run -c Release --project Zmarty.Benchmarks -- pgmq | credits            (timed multi-connection harnesses)
// dotnet run -c Release --project Zmarty.Benchmarks -- sync [rate ...]           (symbol sync latency, whole system)
// dotnet build -c Release Zmarty.sln && dotnet run -c Release --project Zmarty.Benchmarks -- chat [rates] [--dashboard]   (whole system)
// dotnet run -c Release --project Zmarty.Benchmarks -- pipeline [symbols] [concurrency]  (whole pipeline, emulators)
// See docs/benchmarks.md for what each measures and the recorded results.
if (SyncLatency.Handles(args))
{
    return await SyncLatency.RunAsync(args);
}

if (ChatOverhead.Handles(args))
{
    return await ChatOverhead.RunAsync(args);
}

if (PipelineThroughput.Handles(args))
{
    return await PipelineThroughput.RunAsync(args);
}

if (DatabaseBenchmarks.Handles(args))
{
    return await DatabaseBenchmarks.RunAsync(args);
}

// Not typeof(Program): the referenced Worker also has a Program type.
BenchmarkSwitcher.FromAssembly(typeof(DatabaseBenchmarks).Assembly).Run(args);
return 0;
