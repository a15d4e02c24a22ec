using BenchmarkDotNet.Running;

// Run one or all benchmarks: dotnet run -c Release --project bench/Converge.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
