using BenchmarkDotNet.Running;
using Zmarty.Benchmarks.Database;
using Zmarty.Benchmarks.Pipeline;

// dotnet run -c Release --project Zmarty.Benchmarks -- --filter '*TradingMath*'   (BenchmarkDotNet)
// dotnet run -c Release --project Zmarty.Benchmarks -- pgmq | credits            (timed multi-connection harnesses)
// dotnet run -c Release --project Zmarty.Benchmarks -- pipeline [symbols] [concurrency]  (whole pipeline, emulators)
// See docs/benchmarks.md for what each measures and the recorded results.
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
