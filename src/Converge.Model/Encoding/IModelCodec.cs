namespace Converge.Model.Encoding;

/// <summary>
/// Writes and reads values of <typeparamref name="T"/> inside a model encoding, so that generic types such as
/// <see cref="Registers.LwwRegister{T}"/> and <see cref="Sets.OrSet{T}"/> can encode their contents.
/// </summary>
/// <typeparam name="T">The value type.</typeparam>
/// <remarks>
/// <see cref="Read"/> must throw only <see cref="ModelEncodingException"/> (use <see cref="ModelReader.Fail"/>) and
/// must check any length against <see cref="ModelReader.Remaining"/> before allocating. <see cref="ModelCodecs"/>
/// has codecs for the common types.
/// </remarks>
public interface IModelCodec<T>
{
    /// <summary>Writes <paramref name="value"/>.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    void Write(ref ModelWriter writer, T value);

    /// <summary>Reads a value written by <see cref="Write"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <exception cref="ModelEncodingException">The bytes are not a valid value.</exception>
    T Read(ref ModelReader reader);
}
