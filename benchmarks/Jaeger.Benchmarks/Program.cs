using BenchmarkDotNet.Running;
using Jaeger.Benchmarks.Storage;

// Runs the suites named on the command line: dotnet run -c Release --project benchmarks/Jaeger.Benchmarks -- --filter '*Thrift*'
// `-- --retained` instead measures the bytes the in-memory store retains per span (deterministic, no timing).
if (args is ["--retained"])
{
    RetainedBytesMeasurement.Run(Console.Out);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
