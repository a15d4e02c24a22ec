using System.Text.Json.Serialization;
using Converge.Model.Documents;
using Converge.Protocol.Frames;

namespace Converge.Protocol.Codecs;

// Strict on purpose: a lenient reader (case-insensitive names, numbers in strings, duplicate properties)
// would let two implementations of the protocol disagree about what a frame means.
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowOutOfOrderMetadataProperties = true,
    AllowDuplicateProperties = false,
    MaxDepth = JsonFrameCodec.MaxDepth,
    Converters = [typeof(DocumentOperationJsonConverter)])]
[JsonSerializable(typeof(Frame))]
[JsonSerializable(typeof(HelloFrame))]
[JsonSerializable(typeof(WelcomeFrame))]
[JsonSerializable(typeof(SubscribeFrame))]
[JsonSerializable(typeof(UnsubscribeFrame))]
[JsonSerializable(typeof(SubscribedFrame))]
[JsonSerializable(typeof(SnapshotFrame))]
[JsonSerializable(typeof(PushFrame))]
[JsonSerializable(typeof(AckFrame))]
[JsonSerializable(typeof(RejectFrame))]
[JsonSerializable(typeof(ChangesFrame))]
[JsonSerializable(typeof(PingFrame))]
[JsonSerializable(typeof(PongFrame))]
[JsonSerializable(typeof(ErrorFrame))]
[JsonSerializable(typeof(PresenceJoinFrame))]
[JsonSerializable(typeof(PresenceUpdateFrame))]
[JsonSerializable(typeof(PresenceLeaveFrame))]
[JsonSerializable(typeof(PresenceSnapshotFrame))]
[JsonSerializable(typeof(PresenceDiffFrame))]
[JsonSerializable(typeof(PresenceRejectedFrame))]
[JsonSerializable(typeof(IReadOnlyList<DocumentOperation>))]
internal sealed partial class FrameJsonContext : JsonSerializerContext;
