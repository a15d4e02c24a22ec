using System.Globalization;

namespace Converge.IntegrationTests.Infrastructure;

/// <summary>
/// tests/Converge.ClientHost in a child process (<c>dotnet Converge.ClientHost.dll …</c>): reads its report lines as
/// they come, and kills it with SIGKILL, no shutdown code running.
/// </summary>
internal sealed class ClientHostProcess : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly ChildProcess _process;

    private ClientHostProcess(ChildProcess process) => _process = process;

    /// <summary>The <c>OPENED</c> line's fields: status, pending count, client id.</summary>
    public string[] Opened { get; private set; } = [];

    /// <summary>Keys of the changes the host reported a receipt for, in order.</summary>
    public List<string> ReceiptedKeys { get; } = [];

    /// <summary>Client sequences of those receipts, in order.</summary>
    public List<long> ReceiptedSequences { get; } = [];

    public static ClientHostProcess Start(Uri serverUri, string storePath, string documentId, string run, int changes, bool finish) =>
        new(ChildProcess.Start(
            ChildProcess.BuiltAssembly(Path.Combine("tests", "Converge.ClientHost"), "Converge.ClientHost.dll"),
            [serverUri.ToString(), storePath, documentId, run, changes.ToString(CultureInfo.InvariantCulture), finish ? "finish" : "kill"]));

    /// <summary>Reads report lines until <paramref name="done"/> says so; fails on a timeout or when the process ends first.</summary>
    public async Task<string> UntilAsync(Func<string, bool> done, string what) =>
        await _process.ReadUntilAsync(done, Timeout, Record)
        ?? throw new Xunit.Sdk.XunitException($"The client host never reached: {what} ({ReceiptedKeys.Count} receipts so far). stderr:\n{_process.Errors}");

    public Task UntilReceiptsAsync(int count) => UntilAsync(_ => ReceiptedKeys.Count >= count, $"{count} receipts");

    /// <summary>SIGKILL, then waits for the process to be gone and collects the lines it wrote before.</summary>
    public async Task KillAsync()
    {
        await _process.KillAsync();
        while (_process.Lines.TryRead(out var line))
        {
            Record(line);
        }
    }

    public Task<int> WaitForExitAsync() => _process.WaitForExitAsync(Timeout);

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private void Record(string line)
    {
        var parts = line.Split(' ');
        switch (parts[0])
        {
            case "OPENED":
                Opened = parts[1..];
                break;
            case "R":
                ReceiptedSequences.Add(long.Parse(parts[1], CultureInfo.InvariantCulture));
                ReceiptedKeys.Add(parts[2]);
                break;
        }
    }
}
