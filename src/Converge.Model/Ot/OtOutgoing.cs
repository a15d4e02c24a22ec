namespace Converge.Model.Ot;

/// <summary>A delta for the client to send, with the server revision it is based on.</summary>
/// <param name="BaseRevision">The revision to send it against (<see cref="OtServerDocument.Receive"/>'s first argument).</param>
/// <param name="Delta">The delta.</param>
public readonly record struct OtOutgoing(long BaseRevision, TextDelta Delta);
