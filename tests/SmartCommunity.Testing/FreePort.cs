using System.Net;
using System.Net.Sockets;

namespace SmartCommunity.Testing;

/// <summary>Loopback ports for servers the tests and benchmarks start (the hub, brokers, databases).</summary>
public static class FreePort
{
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A port that is free now, from 20000–31999: below Linux's ephemeral range (32768–60999), where port 0 would pick
    /// one and where every outgoing connection (to PostgreSQL, Redis, the broker…) also takes its local port — a port
    /// picked there can be taken by such a connection before the server binds it. Never the same port twice per process.
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
            lock (HandedOut)
            {
                if (HandedOut.Add(port))
                    return port;
            }
        }
        throw new InvalidOperationException("no free port in 20000–31999");
    }
}
