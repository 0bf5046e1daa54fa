namespace SmartCommunity.SensorNode.Core;

/// <summary>
/// Persists <see cref="DeviceConfig"/> as one checksummed blob. The storage adapter replaces blobs
/// atomically, so after a power cut during a commit the device has the old config or the new one.
/// </summary>
public sealed class ConfigStore
{
    public const string StorageKey = "config";
    private const int MaxLength = 2048;

    private readonly IStorage _storage;
    private readonly byte[] _buffer = new byte[MaxLength + 4];

    public ConfigStore(IStorage storage)
    {
        _storage = storage;
    }

    /// <summary>Loads into <paramref name="config"/>; false (and a reset config) when absent or corrupt.</summary>
    public bool Load(DeviceConfig config)
    {
        var n = _storage.Read(StorageKey, _buffer);
        if (n < 4 || Bytes.GetInt32(_buffer, n - 4) != Bytes.Checksum(_buffer, 0, n - 4)
            || !config.Deserialize(_buffer, n - 4))
        {
            config.Reset();
            return false;
        }

        return true;
    }

    public bool Save(DeviceConfig config)
    {
        System.Array.Clear(_buffer, 0, _buffer.Length);
        var n = config.Serialize(_buffer);
        if (n < 0 || n > MaxLength)
        {
            return false;
        }

        Bytes.PutInt32(_buffer, n, Bytes.Checksum(_buffer, 0, n));
        _storage.Write(StorageKey, _buffer, n + 4);
        return true;
    }

    public void Erase() => _storage.Delete(StorageKey);
}
