using Microsoft.Extensions.Options;
using Microsoft.ML;
using SmartCommunity.EarlyWarning.Ml;
using SmartCommunity.EarlyWarning.Streaming;
using SmartCommunity.Hub.Hosting;

namespace SmartCommunity.Hub.EarlyWarning;

/// <summary>
/// Models and detector state in the data directory: early-warning/models/&lt;series&gt;/&lt;version&gt;.zip (ML.NET
/// zips; the version is a UTC timestamp, so the newest sorts last) and early-warning/state.json. Writes go to a
/// temporary file first and are moved into place, so a crash never leaves half a file.
/// </summary>
public sealed class ModelStore(IOptions<HubOptions> hub)
{
    private readonly MLContext _ml = new(seed: 1);
    private readonly Lock _mlLock = new();

    public string Root => hub.Value.DataPath("early-warning");
    public string StatePath => Path.Combine(Root, "state.json");

    public static string FileSafe(string seriesId) => string.Concat(seriesId.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_'));

    public void Save(string seriesId, PcaWindowModel model)
    {
        var dir = Path.Combine(Root, "models", FileSafe(seriesId));
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, model.Version + ".zip");
        var tmp = path + ".tmp";
        using (var file = File.Create(tmp))
        {
            lock (_mlLock)
                model.Save(_ml, file);
        }
        File.Move(tmp, path, overwrite: true);
        // Two versions are kept: the one in use and its predecessor, to go back to after a bad training.
        foreach (var old in Directory.GetFiles(dir, "*.zip").Order(StringComparer.Ordinal).SkipLast(2))
            File.Delete(old);
    }

    public PcaWindowModel? Load(string seriesId, string version)
    {
        var path = Path.Combine(Root, "models", FileSafe(seriesId), version + ".zip");
        if (!File.Exists(path))
            return null;
        using var file = File.OpenRead(path);
        lock (_mlLock)
            return PcaWindowModel.Load(_ml, file, version);
    }

    public PcaWindowModel? Train(IEnumerable<double> history, DetectorOptions options, string version)
    {
        lock (_mlLock)
            return PcaWindowTrainer.Train(_ml, history, options, version);
    }
}
