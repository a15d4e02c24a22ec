using Converge.Client.Reconnection;

namespace Converge.Client;

/// <summary>Everything a UI needs to show about the connection, as one immutable value.</summary>
/// <param name="State">The state.</param>
/// <param name="Transport">The connected transport (<c>websocket</c>, <c>sse</c>, <c>longpolling</c>) when connected.</param>
/// <param name="Attempt">When reconnecting, the attempt about to be made (from 1).</param>
/// <param name="RetryDelay">When reconnecting, how long until that attempt.</param>
/// <param name="LastFailure">Why the last connection or attempt ended, if it did.</param>
public sealed record ConnectionStatus(
    ConnectionState State,
    string? Transport = null,
    int Attempt = 0,
    TimeSpan? RetryDelay = null,
    ConnectionFailure? LastFailure = null)
{
    internal static ConnectionStatus Initial { get; } = new(ConnectionState.Disconnected);
}
