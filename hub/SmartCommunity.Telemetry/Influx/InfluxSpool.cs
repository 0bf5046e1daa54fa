using System.Globalization;
using System.Text;

namespace SmartCommunity.Telemetry.Influx;

/// <summary>
/// Line-protocol batches waiting on disk while InfluxDB is unreachable: one file per batch, named so that the
/// lexical order is the write order, each made durable (written to a temp file, flushed to disk, renamed) before
/// the write that produced it completes. Replaying a file twice (a crash between send and delete) is harmless:
/// a point is keyed by series and timestamp, so InfluxDB overwrites it with the same value.
/// </summary>
internal sealed class InfluxSpool
{
    private const string Extension = ".lp";
    private readonly string _folder;
    private readonly string _rejected;
    private readonly long _maxBytes;
    private readonly Lock _sync = new();
    private readonly SortedSet<string> _files = new(StringComparer.Ordinal);
    private long _bytes;
    private long _points;
    private long _sequence;

    public InfluxSpool(string folder, long maxBytes)
    {
        _folder = Path.GetFullPath(folder);
        _rejected = Path.Combine(_folder, "rejected");
        _maxBytes = maxBytes;
        Directory.CreateDirectory(_folder);

        foreach (var stale in Directory.EnumerateFiles(_folder, "*.tmp"))
        {
            File.Delete(stale); // a crash before the rename: that write never completed, its caller saw the failure
        }
        foreach (var file in Directory.EnumerateFiles(_folder, "*" + Extension))
        {
            _files.Add(file);
            _bytes += new FileInfo(file).Length;
            _points += CountLines(file);
        }
        // Continue numbering after the files of a previous run so new batches sort after them.
        _sequence = _files.Count == 0 ? 0 : ParseSequence(_files.Max!);
    }

    public bool IsEmpty
    {
        get
        {
            lock (_sync)
            {
                return _files.Count == 0;
            }
        }
    }

    public long Points => Interlocked.Read(ref _points);

    public long Bytes => Interlocked.Read(ref _bytes);

    public int Files
    {
        get
        {
            lock (_sync)
            {
                return _files.Count;
            }
        }
    }

    /// <summary>Durably appends one batch. Throws when the spool is full, so the writer retries and back-pressures.</summary>
    public void Append(IReadOnlyList<string> lines, InfluxPrecision precision)
    {
        var content = Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n");
        if (Bytes + content.Length > _maxBytes)
        {
            throw new IOException($"The InfluxDB spool in {_folder} is full ({Bytes:N0} of {_maxBytes:N0} bytes); InfluxDB has been unreachable too long.");
        }

        var sequence = Interlocked.Increment(ref _sequence);
        var name = Path.Combine(_folder, sequence.ToString("D16", CultureInfo.InvariantCulture) + "." + InfluxLineProtocol.PrecisionName(precision) + Extension);
        var temp = name + ".tmp";
        using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, name);

        lock (_sync)
        {
            _files.Add(name);
        }
        Interlocked.Add(ref _bytes, content.Length);
        Interlocked.Add(ref _points, lines.Count);
    }

    /// <summary>The oldest batch, or null when the spool is empty.</summary>
    public SpooledBatch? Peek()
    {
        string file;
        lock (_sync)
        {
            if (_files.Count == 0)
            {
                return null;
            }
            file = _files.Min!;
        }
        var precisionName = Path.GetExtension(Path.GetFileNameWithoutExtension(file)).TrimStart('.');
        var precision = Enum.Parse<InfluxPrecision>(precisionName, ignoreCase: true);
        var lines = File.ReadAllLines(file).Where(l => l.Length > 0).ToArray();
        return new SpooledBatch(file, precision, lines);
    }

    /// <summary>Removes a replayed batch; true when the spool is empty afterwards.</summary>
    public bool Remove(SpooledBatch batch)
    {
        var length = new FileInfo(batch.File).Length;
        File.Delete(batch.File);
        Interlocked.Add(ref _bytes, -length);
        Interlocked.Add(ref _points, -batch.Lines.Length);
        lock (_sync)
        {
            _files.Remove(batch.File);
            return _files.Count == 0;
        }
    }

    /// <summary>Moves a batch InfluxDB refused for good (a type conflict) aside, kept for an operator, out of the replay.</summary>
    public void Reject(SpooledBatch batch)
    {
        Directory.CreateDirectory(_rejected);
        var length = new FileInfo(batch.File).Length;
        File.Move(batch.File, Path.Combine(_rejected, Path.GetFileName(batch.File)), overwrite: true);
        Interlocked.Add(ref _bytes, -length);
        Interlocked.Add(ref _points, -batch.Lines.Length);
        lock (_sync)
        {
            _files.Remove(batch.File);
        }
    }

    private static long ParseSequence(string file) =>
        long.Parse(Path.GetFileName(file).AsSpan(0, 16), NumberStyles.None, CultureInfo.InvariantCulture);

    private static long CountLines(string file) => File.ReadLines(file).LongCount(l => l.Length > 0);
}

internal sealed record SpooledBatch(string File, InfluxPrecision Precision, string[] Lines);
