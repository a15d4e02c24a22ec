namespace Converge.Model.Documents;

/// <summary>
/// A pure check of a change against the state it would apply to, written once and run on both sides: the client runs
/// it before the optimistic apply (a broken change never shows), the server before accepting (a client that skipped
/// it is still refused).
/// </summary>
/// <param name="documentId">The document.</param>
/// <param name="state">The state the change would apply to.</param>
/// <param name="operations">The change's operations.</param>
/// <returns><see langword="null"/> to accept; otherwise the reason, for people (it reaches the author's <c>Rejected</c> event).</returns>
public delegate string? ChangeRule(string documentId, JsonMap state, IReadOnlyList<DocumentOperation> operations);
