namespace Converge.Client;

/// <summary>What the client asks of the app's access-token provider.</summary>
/// <param name="ForceRefresh">True after the server refused the last token (401): return a fresh one, not a cached one.</param>
public sealed record AccessTokenRequest(bool ForceRefresh);
