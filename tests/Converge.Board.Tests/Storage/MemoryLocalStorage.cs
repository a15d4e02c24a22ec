using Microsoft.JSInterop;
using Microsoft.JSInterop.Infrastructure;

namespace Converge.Board.Tests.Storage;

/// <summary>
/// The JavaScript side of <c>BrowserClientStore</c> (<c>window.convergeStore</c> in wwwroot/board.js) over a dictionary:
/// the same functions, the same answers, one slot.
/// </summary>
internal sealed class MemoryLocalStorage : IJSInProcessRuntime
{
    public const string Slot = "converge/0/";

    public SortedDictionary<string, string> Items { get; } = new(StringComparer.Ordinal);

    public TResult Invoke<TResult>(string identifier, params object?[]? args)
    {
        var key = args is { Length: > 0 } ? (string?)args[0] : null;
        object? result = identifier switch
        {
            "convergeStore.claimSlot" => Slot,
            "convergeStore.get" => Items.GetValueOrDefault(key!),
            "convergeStore.set" => Set(key!, (string)args![1]!),
            "convergeStore.remove" => Items.Remove(key!),
            "convergeStore.keys" => Items.Keys.Where(k => k.StartsWith(key!, StringComparison.Ordinal)).ToArray(),
            "convergeStore.bytes" => Items.Where(i => i.Key.StartsWith(key!, StringComparison.Ordinal)).Sum(static i => 2L * (i.Key.Length + i.Value.Length)),
            _ => throw new InvalidOperationException($"board.js has no '{identifier}'."),
        };
        return typeof(TResult) == typeof(IJSVoidResult) ? default! : (TResult)result!;
    }

    public ValueTask<TValue> InvokeAsync<TValue>(string identifier, object?[]? args) => ValueTask.FromResult(Invoke<TValue>(identifier, args));

    public ValueTask<TValue> InvokeAsync<TValue>(string identifier, CancellationToken cancellationToken, object?[]? args) => InvokeAsync<TValue>(identifier, args);

    private string? Set(string key, string value)
    {
        Items[key] = value;
        return null;
    }
}
