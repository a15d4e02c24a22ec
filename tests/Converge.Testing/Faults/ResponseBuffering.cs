namespace Converge.Testing.Faults;

/// <summary>New connections whose first request matches <paramref name="Match"/> (all new connections when null) hold their responses.</summary>
internal sealed record ResponseBuffering(Func<HttpRequestHead, bool>? Match);
