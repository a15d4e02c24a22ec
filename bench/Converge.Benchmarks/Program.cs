using BenchmarkDotNet.Running;
using Converge.Benchmarks.Text;

// Whole-trace text CRDT figures (compared with Yjs by bench/text-vs-yjs.sh):
//   dotnet run -c Release --project bench/Converge.Benchmarks -- text-trace [trace] [runs]
if (args.Length > 0 && args[0] == "text-trace")
{
    return TextTraceRunner.Run(args[1..]);
}

// Cross-document group commit, off vs on (docs/benchmarks.md):
//   dotnet run -c Release --project bench/Converge.Benchmarks -- group-commit [documents] [seconds] [runs] [sqlite|postgres|both]
if (args.Length > 0 && args[0] == "group-commit")
{
    return await Converge.Benchmarks.Storage.GroupCommitRunner.RunAsync(args[1..]);
}

// Run one or all benchmarks: dotnet run -c Release --project bench/Converge.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
