namespace SmartCommunity.Hub.EarlyWarning;

/// <summary>
/// One early-warning file kept in the shared database when several instances take turns at scoring (external broker on
/// PostgreSQL): the engine's state (<c>state.json</c>) and the ML.NET models (<c>models/&lt;series&gt;/&lt;version&gt;.zip</c>),
/// the same names as in the data directory of a single hub.
/// </summary>
public sealed class EarlyWarningBlob
{
    public required string Name { get; set; }
    public required byte[] Content { get; set; }
    public DateTimeOffset SavedAt { get; set; }
}
