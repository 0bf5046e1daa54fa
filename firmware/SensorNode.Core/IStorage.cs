namespace SmartCommunity.SensorNode.Core;

/// <summary>
/// Small named blobs that survive a reboot (flash files on the device, memory or files in tests).
/// </summary>
public interface IStorage
{
    /// <summary>Copies the blob into <paramref name="buffer"/>; returns its length, or -1 when absent or larger than the buffer.</summary>
    int Read(string key, byte[] buffer);

    /// <summary>Replaces the blob atomically: after a power cut the old or the new content is there, never a mix.</summary>
    void Write(string key, byte[] buffer, int count);

    void Delete(string key);
}
