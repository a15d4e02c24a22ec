namespace Converge.Cli;

/// <summary>The process exit codes of <c>converge</c> (documented in docs/cli.md).</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>The command line does not parse (System.CommandLine's own code).</summary>
    public const int Usage = 1;

    /// <summary>An argument is well-formed for the parser but invalid (bad JSON, bad URL, a number out of range).</summary>
    public const int InvalidInput = 2;

    /// <summary>The server cannot be reached (down, wrong address, refused).</summary>
    public const int Unreachable = 3;

    /// <summary>The server refused the change (validation, authorization).</summary>
    public const int Rejected = 4;

    /// <summary>The key asked for does not exist.</summary>
    public const int NotFound = 5;

    /// <summary>Stopped by Ctrl+C before finishing.</summary>
    public const int Canceled = 130;
}
