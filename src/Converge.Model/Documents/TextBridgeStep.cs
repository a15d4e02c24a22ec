using Converge.Model.Ot;

namespace Converge.Model.Documents;

/// <summary>
/// One step of an <see cref="EditText.Bridge"/>: the edit the server applied at text revision <paramref name="Revision"/>,
/// as it looks after the author's edit (transformed past it).
/// </summary>
/// <param name="Revision">The text revision of the server's edit.</param>
/// <param name="Delta">That edit, transformed past the author's.</param>
public sealed record TextBridgeStep(long Revision, TextDelta Delta);
