namespace Converge.Server.Storage;

/// <summary>One client's progress in a checkpoint: its highest accepted client sequence and the sequence it was given.</summary>
internal readonly record struct CheckpointClient(string ClientId, long LastClientSeq, long LastSequence);
