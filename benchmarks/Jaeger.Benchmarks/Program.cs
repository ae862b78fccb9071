using BenchmarkDotNet.Running;

// Runs the suites named on the command line: dotnet run -c Release --project benchmarks/Jaeger.Benchmarks -- --filter '*Thrift*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
