namespace Converge.Testing.Faults;

/// <summary>Requests matching <paramref name="Match"/> are answered with <paramref name="Rejection"/> instead of reaching the server.</summary>
internal sealed record RequestBlock(Func<HttpRequestHead, bool> Match, HttpRejection Rejection);
