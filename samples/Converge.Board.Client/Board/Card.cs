namespace Converge.Board.Client.Board;

/// <summary>One card as the board shows it, read from the document's keys (<see cref="CardKeys"/>).</summary>
/// <param name="Id">The card id.</param>
/// <param name="Title">The title.</param>
/// <param name="Description">The description.</param>
/// <param name="Votes">The vote count.</param>
/// <param name="Tags">The tags, sorted.</param>
/// <param name="Column">The column it is in.</param>
/// <param name="Position">Its fractional index within the column.</param>
public sealed record Card(string Id, string Title, string Description, long Votes, IReadOnlyList<string> Tags, string Column, string Position);
