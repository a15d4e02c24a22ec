namespace Converge.Client.Reconnection;

/// <summary>What a <see cref="IReconnectPolicy"/> may base its decision on.</summary>
/// <param name="Attempt">The attempt about to be made, from 1 after the last healthy connection.</param>
/// <param name="Elapsed">Time since the connection was last healthy (or since the client started).</param>
/// <param name="Failure">The failure that ended the previous attempt or connection.</param>
public sealed record ReconnectContext(int Attempt, TimeSpan Elapsed, ConnectionFailure Failure);
