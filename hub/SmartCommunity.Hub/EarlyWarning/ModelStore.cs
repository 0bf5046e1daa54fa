using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.ML;
using SmartCommunity.EarlyWarning.Ml;
using SmartCommunity.EarlyWarning.Streaming;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.EarlyWarning;

/// <summary>
/// Models and detector state: early-warning/models/&lt;series&gt;/&lt;version&gt;.zip (ML.NET zips; the version is a UTC
/// timestamp, so the newest sorts last) and early-warning/state.json. A single hub keeps them in its data directory
/// (writes go to a temporary file first and are moved into place, so a crash never leaves half a file); in a cluster
/// (<see cref="EarlyWarningLeadership.Elected"/>) they are rows of the shared database under the same names, so the
/// instance elected after the scorer stopped finds its models and its state.
/// </summary>
public sealed class ModelStore(IOptions<HubOptions> hub, EarlyWarningLeadership leadership, IDbContextFactory<HubDbContext> dbFactory)
{
    public const string StateName = "state.json";

    private readonly MLContext _ml = new(seed: 1);
    private readonly Lock _mlLock = new();

    public string Root => hub.Value.DataPath("early-warning");
    public string StatePath => Path.Combine(Root, StateName);

    /// <summary>Where state and models are kept, for the log: the data directory or the shared database.</summary>
    public string Location => leadership.Elected ? "the shared database" : Root;

    public static string FileSafe(string seriesId) => string.Concat(seriesId.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_'));

    private static string ModelDir(string seriesId) => "models/" + FileSafe(seriesId) + "/";

    public void Save(string seriesId, PcaWindowModel model)
    {
        using var bytes = new MemoryStream();
        lock (_mlLock)
            model.Save(_ml, bytes);
        var dir = ModelDir(seriesId);
        Write(dir + model.Version + ".zip", bytes.ToArray(), DateTimeOffset.UtcNow);
        // Two versions are kept: the one in use and its predecessor, to go back to after a bad training.
        foreach (var old in List(dir).Order(StringComparer.Ordinal).SkipLast(2))
            Delete(old);
    }

    public PcaWindowModel? Load(string seriesId, string version)
    {
        if (Read(ModelDir(seriesId) + version + ".zip") is not { } blob)
            return null;
        using var file = new MemoryStream(blob.Content);
        lock (_mlLock)
            return PcaWindowModel.Load(_ml, file, version);
    }

    public PcaWindowModel? Train(IEnumerable<double> history, DetectorOptions options, string version)
    {
        lock (_mlLock)
            return PcaWindowTrainer.Train(_ml, history, options, version);
    }

    /// <summary>The engine's saved state and when it was saved (null: none yet).</summary>
    public (byte[] Content, DateTimeOffset SavedAt)? ReadState() => Read(StateName) is { } blob ? (blob.Content, blob.SavedAt) : null;

    public void WriteState(byte[] content, DateTimeOffset savedAt) => Write(StateName, content, savedAt);

    private EarlyWarningBlob? Read(string name)
    {
        if (leadership.Elected)
        {
            using var db = dbFactory.CreateDbContext();
            return db.EarlyWarningBlobs.AsNoTracking().SingleOrDefault(b => b.Name == name);
        }
        var path = Path.Combine(Root, name);
        return File.Exists(path) ? new EarlyWarningBlob { Name = name, Content = File.ReadAllBytes(path), SavedAt = File.GetLastWriteTimeUtc(path) } : null;
    }

    private void Write(string name, byte[] content, DateTimeOffset savedAt)
    {
        if (leadership.Elected)
        {
            using var db = dbFactory.CreateDbContext();
            var row = db.EarlyWarningBlobs.SingleOrDefault(b => b.Name == name);
            if (row is null)
                db.EarlyWarningBlobs.Add(new EarlyWarningBlob { Name = name, Content = content, SavedAt = savedAt });
            else
            {
                row.Content = content;
                row.SavedAt = savedAt;
            }
            db.SaveChanges();
            return;
        }
        var path = Path.Combine(Root, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var tmp = path + ".tmp";
        File.WriteAllBytes(tmp, content);
        File.Move(tmp, path, overwrite: true);
    }

    private IEnumerable<string> List(string dir)
    {
        if (leadership.Elected)
        {
            using var db = dbFactory.CreateDbContext();
            return [.. db.EarlyWarningBlobs.Where(b => b.Name.StartsWith(dir)).Select(b => b.Name)];
        }
        var path = Path.Combine(Root, dir);
        return Directory.Exists(path) ? Directory.GetFiles(path, "*.zip").Select(f => dir + Path.GetFileName(f)) : [];
    }

    private void Delete(string name)
    {
        if (leadership.Elected)
        {
            using var db = dbFactory.CreateDbContext();
            db.EarlyWarningBlobs.Where(b => b.Name == name).ExecuteDelete();
            return;
        }
        File.Delete(Path.Combine(Root, name));
    }
}
