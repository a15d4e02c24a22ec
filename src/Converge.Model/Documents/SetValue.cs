using System.Text.Json;

namespace Converge.Model.Documents;

/// <summary>Sets <see cref="Key"/> to a JSON value, replacing whatever was there.</summary>
/// <param name="Key">The key to set.</param>
/// <param name="Value">The new value: any JSON value, including <c>null</c>.</param>
public sealed record SetValue(string Key, JsonElement Value) : DocumentOperation
{
    /// <inheritdoc />
    public override string? Validate() =>
        base.Validate() ?? (Value.ValueKind == JsonValueKind.Undefined ? $"The value for key '{Key}' is missing." : null);

    /// <inheritdoc />
    public bool Equals(SetValue? other) =>
        other is not null && Key == other.Key && JsonElement.DeepEquals(Value, other.Value);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Key, Value.ValueKind);
}
