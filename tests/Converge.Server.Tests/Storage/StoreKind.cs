namespace Converge.Server.Tests.Storage;

/// <summary>The stores every contract suite runs against.</summary>
public enum StoreKind
{
    Sqlite,
    Postgres,
}
