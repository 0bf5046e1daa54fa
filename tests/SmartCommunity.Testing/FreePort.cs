using System.Globalization;
using System.Net;
using System.Text;
using System.Net.Sockets;

namespace SmartCommunity.Testing;

/// <summary>Loopback ports for servers the tests and benchmarks start (the hub, brokers, databases).</summary>
public static class FreePort
{
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A port that is free now, from 20000–31999: below Linux's ephemeral range (32768–60999), where port 0 would pick
    /// one and where every outgoing connection (to PostgreSQL, Redis, the broker…) also takes its local port — a port
    /// picked there can be taken by such a connection before the server binds it. Never the same port twice per process,
    /// and never one another live test process holds (the test assemblies run side by side, each picking its own):
    /// a port is claimed by a file named after it in a shared folder, holding the claimant's process id.
    /// </summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var port = Random.Shared.Next(20000, 32000);
            lock (HandedOut)
            {
                if (HandedOut.Contains(port))
                    continue;
            }
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
            }
            catch (SocketException)
            {
                continue;
            }
            if (!Claim(port))
                continue;
            lock (HandedOut)
            {
                if (HandedOut.Add(port))
                    return port;
            }
        }
        throw new InvalidOperationException("no free port in 20000–31999");
    }

    private static readonly string Claims = Path.Combine(Path.GetTempPath(), "sc-test-ports");

    /// <summary>Claims <paramref name="port"/> for this process; a claim whose process has ended is taken over.</summary>
    private static bool Claim(int port)
    {
        Directory.CreateDirectory(Claims);
        var file = Path.Combine(Claims, port.ToString(CultureInfo.InvariantCulture));
        for (var attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                using (var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write))
                    stream.Write(Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture)));
                return true;
            }
            catch (IOException) when (File.Exists(file))
            {
                string text;
                try
                {
                    text = File.ReadAllText(file);
                }
                catch (IOException)
                {
                    return false;
                }
                // Empty: its claimant is writing it right now. A live holder keeps it; an ended one's claim is taken over.
                if (!int.TryParse(text, CultureInfo.InvariantCulture, out var holder) || Directory.Exists($"/proc/{holder}"))
                    return false;
                try
                {
                    File.Delete(file);
                }
                catch (IOException)
                {
                    return false;
                }
            }
        }
        return false;
    }
}
