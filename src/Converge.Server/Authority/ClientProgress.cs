namespace Converge.Server.Authority;

/// <summary>The newest change the authority accepted from one client: enough to answer the common duplicate
/// (the last push re-sent after a lost ack) without touching storage.</summary>
internal readonly record struct ClientProgress(long LastClientSeq, long LastSequence);
