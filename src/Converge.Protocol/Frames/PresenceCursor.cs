using System.Text.Json;

namespace Converge.Protocol.Frames;

/// <summary>
/// Where one connection's user is pointing in a document: a caret, a pointer, a selection. Both parts are app-defined
/// JSON (<c>{"x":120,"y":48}</c>, a text offset, <c>{"anchor":3,"head":9}</c>…); the server relays them, never reads them.
/// </summary>
/// <param name="Position">The cursor or pointer; <see langword="null"/> when there is none (JSON <c>null</c> means the same).</param>
/// <param name="Selection">The selection; <see langword="null"/> when there is none.</param>
public sealed record PresenceCursor(JsonElement? Position = null, JsonElement? Selection = null)
{}
