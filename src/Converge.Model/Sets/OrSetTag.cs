namespace Converge.Model.Sets;

/// <summary>The unique identity of one add: the replica that made it and that replica's add counter.</summary>
/// <param name="Replica">The adding replica.</param>
/// <param name="Counter">The replica's count of adds, from 1.</param>
public readonly record struct OrSetTag(string Replica, long Counter);
