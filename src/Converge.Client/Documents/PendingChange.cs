using Converge.Model.Documents;

namespace Converge.Client.Documents;

/// <summary>A local change the server has not settled yet.</summary>
internal sealed class PendingChange(long clientSeq, IReadOnlyList<DocumentOperation> operations)
{
    public long ClientSeq { get; } = clientSeq;

    /// <summary>
    /// The operations as sent to the server (and kept in the local store's outbox): fixed when the change is made, or,
    /// for a <see cref="Held"/> text edit, when it is released.
    /// </summary>
    public IReadOnlyList<DocumentOperation> Operations { get; set; } = operations;

    /// <summary>A text edit made on a view the server cannot reproduce exactly (after a jump): not sent until released.</summary>
    public bool Held { get; set; }

    /// <summary>
    /// The operations as the local view applies them: text edits among them are moved over the remote edits and jumps
    /// of the confirmed text since they were made (OT rebase); the server does the same for <see cref="Operations"/>.
    /// </summary>
    public IReadOnlyList<DocumentOperation> Local { get; set; } = ConvergeDocument.LocalForms(operations);

    /// <summary>
    /// Whether a snapshot showed that the server already applied it: it is then part of the confirmed state and no
    /// longer shown on top, but stays pending (and is sent again) until its acknowledgement says which sequence it got.
    /// </summary>
    public bool Included { get; set; }

    /// <summary>Whether it is a link of the text's chain of pending edits.</summary>
    public bool EditsText(string key) => !Included && Operations.Any(o => o is EditText && o.Key == key);

    public TaskCompletionSource<long> Acknowledged { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Whether it was sent on the current connection; cleared on disconnect so it is sent again.</summary>
    public bool Sent { get; set; }
}
