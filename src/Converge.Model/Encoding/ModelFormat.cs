namespace Converge.Model.Encoding;

/// <summary>
/// The first byte of every top-level encoding: it names the type and format version, so that bytes of one type
/// (or of a future version) are rejected by another's decoder instead of being misread.
/// </summary>
internal static class ModelFormat
{
    public const byte LwwRegisterV1 = 0x11;
    public const byte LwwObjectMapV1 = 0x21;
    public const byte MapOperationV1 = 0x22;
    public const byte GCounterV1 = 0x31;
    public const byte PNCounterV1 = 0x32;
    public const byte CounterDeltaV1 = 0x33;
    public const byte PNCounterDeltaV1 = 0x34;
    public const byte OrSetV1 = 0x41;
    public const byte OrSetOperationV1 = 0x42;
    public const byte TextDeltaV1 = 0x51;

    public static void Expect(ref ModelReader reader, byte format, string what)
    {
        var actual = reader.ReadByte();
        if (actual != format)
        {
            throw new ModelEncodingException($"Invalid encoding at offset 0: format byte 0x{actual:X2} is not {what} (0x{format:X2}).");
        }
    }
}
