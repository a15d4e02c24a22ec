namespace Converge.Cli;

/// <summary>The <c>--url</c> option: a server's base address (default <c>http://127.0.0.1:5000</c>) and its sync endpoint.</summary>
internal static class ServerAddress
{
    /// <summary>The board host's and <c>converge serve</c>'s default address.</summary>
    public const string Default = "http://127.0.0.1:5000";

    /// <summary>
    /// The sync endpoint for a <c>--url</c> value: http(s) or ws(s); a URL without a path gets <c>/sync</c>, the path
    /// <c>MapConverge</c> uses in the board host and in <c>converge serve</c>.
    /// </summary>
    /// <exception cref="CliException">Not an absolute http, https, ws or wss URL.</exception>
    public static Uri SyncEndpoint(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "ws" or "wss"))
        {
            throw new CliException(ExitCodes.InvalidInput, $"'{url}' is not a server address: expected an absolute http(s) or ws(s) URL such as {Default}.");
        }

        return uri.AbsolutePath is "/" or "" ? new UriBuilder(uri) { Path = "/sync" }.Uri : uri;
    }

    /// <summary>The listen address for <c>converge serve</c>: the URL without a path.</summary>
    /// <exception cref="CliException">Not an absolute http or https URL.</exception>
    public static string ListenAddress(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new CliException(ExitCodes.InvalidInput, $"'{url}' is not a listen address: expected an absolute http(s) URL such as {Default}.");
        }

        return uri.GetLeftPart(UriPartial.Authority);
    }
}
