using System.Reflection;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project Zmarty.Benchmarks -- --filter '*'   (see docs/benchmarks.md)
// GetExecutingAssembly, not typeof(Program): the referenced Worker also exposes a Program type.
BenchmarkSwitcher.FromAssembly(Assembly.GetExecutingAssembly()).Run(args);
