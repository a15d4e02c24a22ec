using Converge.Model.Sets;
using CsCheck;

namespace Converge.Model.Tests.Sets;

/// <summary>
/// A random history of OR-Set replicas: local adds and removes, state merges between replicas and compactions at
/// the current stability frontier. Running it yields reachable states and the operations made.
/// </summary>
internal sealed record OrSetScript(int Replicas, (int Replica, int Kind, int Element, int Other)[] Steps)
{
    public static readonly string[] Elements = ["x", "y", "z"];

    public static Gen<OrSetScript> Gen(int minReplicas, int maxReplicas, bool compact) =>
        CsCheck.Gen.Int[minReplicas, maxReplicas].SelectMany(n =>
            CsCheck.Gen.Select(CsCheck.Gen.Int[0, n - 1], CsCheck.Gen.Int[0, compact ? 9 : 8], CsCheck.Gen.Int[0, 2], CsCheck.Gen.Int[0, n - 1])
                .Array[0, 30]
                .Select(steps => new OrSetScript(n, steps)));

    public static string Name(int replica) => "r" + replica;

    /// <summary>Runs the script; returns each replica's final state and every operation made, in creation order.</summary>
    public (OrSet<string>[] States, List<OrSetOperation<string>> Operations) Run(Func<int, bool>? compactAllowed = null)
    {
        var states = Enumerable.Range(0, Replicas).Select(_ => new OrSet<string>()).ToArray();
        var operations = new List<OrSetOperation<string>>();
        foreach (var (replica, kind, element, other) in Steps)
        {
            var state = states[replica];
            switch (kind)
            {
                case <= 3:
                    var add = state.PrepareAdd(Name(replica), Elements[element]);
                    operations.Add(add);
                    states[replica] = state.Apply(add);
                    break;
                case <= 6:
                    var remove = state.PrepareRemove(Name(replica), Elements[element]);
                    operations.Add(remove);
                    states[replica] = state.Apply(remove);
                    break;
                case <= 8:
                    states[replica] = state.Merge(states[other]);
                    break;
                default:
                    if (compactAllowed?.Invoke(replica) ?? true)
                    {
                        states[replica] = state.Compact(OrSet.StabilityFrontier(states.Select(s => s.Context)));
                    }

                    break;
            }
        }

        return (states, operations);
    }
}
