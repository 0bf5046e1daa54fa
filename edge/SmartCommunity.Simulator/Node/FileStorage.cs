using SmartCommunity.SensorNode.Core;

namespace SmartCommunity.Simulator.Node;

/// <summary>
/// A virtual device's flash: the firmware core's <see cref="IStorage"/> (configuration, sequence-number slots, outbox)
/// as files in one folder per device, so a simulator started again on the same folder continues where it stopped, as
/// a real device does after a reboot — its sequence numbers go on (the hub drops a number it has seen as a duplicate)
/// and what was queued is still sent. Writes go to a temp file that then replaces the blob (an atomic rename, like
/// the device's FlashStorage). A lock file keeps a second simulator off the same device's storage.
/// </summary>
internal sealed class FileStorage : IStorage, IDisposable
{
    private const string LockFile = ".lock";
    private readonly string _folder;
    private readonly FileStream _lock;

    /// <exception cref="IOException">Another simulator process uses this device's storage.</exception>
    public FileStorage(string folder)
    {
        _folder = folder;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            // The configuration holds the device secret: the owner's alone, like the hub's data directory.
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        try
        {
            _lock = new FileStream(Path.Combine(folder, LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new IOException($"{folder} is in use by another simulator; two copies of a device would reuse its sequence numbers.", ex);
        }
    }

    public int Read(string key, byte[] buffer)
    {
        var path = PathOf(key);
        if (!File.Exists(path))
        {
            return -1;
        }

        var bytes = File.ReadAllBytes(path);
        if (bytes.Length > buffer.Length)
        {
            return -1;
        }

        bytes.CopyTo(buffer, 0);
        return bytes.Length;
    }

    public void Write(string key, byte[] buffer, int count)
    {
        var path = PathOf(key);
        var tmp = path + ".tmp";
        using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            f.Write(buffer, 0, count);
        }

        File.Move(tmp, path, overwrite: true);
    }

    public void Delete(string key) => File.Delete(PathOf(key));

    public void Dispose() => _lock.Dispose();

    // Keys are the core's own constants ("cfg", "seq.a", …), never device input.
    private string PathOf(string key) => Path.Combine(_folder, key);
}
