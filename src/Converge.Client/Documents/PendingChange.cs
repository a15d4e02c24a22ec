using Converge.Model.Documents;

namespace Converge.Client.Documents;

/// <summary>A local change the server has not settled yet.</summary>
internal sealed class PendingChange(long clientSeq, IReadOnlyList<DocumentOperation> operations)
{
    public long ClientSeq { get; } = clientSeq;

    /// <summary>The operations; text edits among them are rewritten as remote edits of the same text arrive (OT rebase).</summary>
    public IReadOnlyList<DocumentOperation> Operations { get; set; } = operations;

    public bool EditsText(string key) => Operations.Any(o => o is EditText && o.Key == key);

    public TaskCompletionSource<long> Acknowledged { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Whether it was sent on the current connection; cleared on disconnect so it is sent again.</summary>
    public bool Sent { get; set; }
}
