using System.IO;
using SmartCommunity.SensorNode.Core;

namespace SmartCommunity.SensorNode
{
    /// <summary>
    /// IStorage on the ESP32's internal flash file system (drive I:). Writes go to a temp file that then
    /// replaces the old one; if power fails between delete and rename, Read falls back to the temp file,
    /// so a reader sees the old blob or the new one, never a mix.
    /// </summary>
    internal sealed class FlashStorage : IStorage
    {
        private const string Root = "I:\\sc\\";

        public FlashStorage()
        {
            if (!Directory.Exists(Root))
            {
                Directory.CreateDirectory(Root);
            }
        }

        public int Read(string key, byte[] buffer)
        {
            var path = Root + key;
            if (!File.Exists(path))
            {
                path = path + ".tmp";
                if (!File.Exists(path))
                {
                    return -1;
                }
            }

            using (var f = new FileStream(path, FileMode.Open, FileAccess.Read))
            {
                if (f.Length > buffer.Length)
                {
                    return -1;
                }

                return f.Read(buffer, 0, (int)f.Length);
            }
        }

        public void Write(string key, byte[] buffer, int count)
        {
            var path = Root + key;
            var tmp = path + ".tmp";
            using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write))
            {
                f.Write(buffer, 0, count);
                f.Flush();
            }

            if (File.Exists(path))
            {
                File.Delete(path);
            }

            File.Move(tmp, path);
        }

        public void Delete(string key)
        {
            var path = Root + key;
            if (File.Exists(path))
            {
                File.Delete(path);
            }

            if (File.Exists(path + ".tmp"))
            {
                File.Delete(path + ".tmp");
            }
        }
    }
}
