namespace Converge.Model.Maps;

/// <summary>What a <see cref="FieldValue"/> holds. The numeric values are part of the encoding.</summary>
public enum FieldValueKind : byte
{
    /// <summary>No value: a field set to null is cleared.</summary>
    Null = 0,

    /// <summary>True or false.</summary>
    Boolean = 1,

    /// <summary>A 64-bit integer.</summary>
    Integer = 2,

    /// <summary>A double.</summary>
    Number = 3,

    /// <summary>A string (ids, fractional positions, text).</summary>
    String = 4,
}
