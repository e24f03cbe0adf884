using BenchmarkDotNet.Running;
using Zmarty.Benchmarks.Database;

// dotnet run -c Release --project Zmarty.Benchmarks -- --filter '*'   (see docs/benchmarks.md)
// dotnet run -c Release --project Zmarty.Benchmarks -- pgmq | credits   (timed multi-connection harnesses)
if (DatabaseBenchmarks.Handles(args))
{
    return await DatabaseBenchmarks.RunAsync(args);
}

BenchmarkSwitcher.FromAssembly(typeof(DatabaseBenchmarks).Assembly).Run(args);
return 0;
