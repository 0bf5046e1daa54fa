using System.Net;
using System.Net.Sockets;
using SmartCommunity.Testing;

namespace SmartCommunity.Gateway.Tests;

/// <summary>
/// The community's uplink as a TCP relay on 127.0.0.1 between the gateway and the hub's broker: <see cref="Cut"/> closes
/// every relayed connection and refuses new ones (the link is down), <see cref="Restore"/> listens again on the same port.
/// <see cref="BlackHole"/> is the link that dies silently (a router gone, a cable cut past the first hop): every connection
/// stays open, but bytes towards the hub go nowhere and nothing comes back; only a keep-alive could tell.
/// </summary>
public sealed class UplinkProxy : IAsyncDisposable
{
    private readonly int _target;
    private readonly Lock _lock = new();
    private readonly List<TcpClient> _open = [];
    private TcpListener? _listener;
    private Task _accepting = Task.CompletedTask;
    private volatile bool _blackHole;

    public UplinkProxy(int targetPort)
    {
        _target = targetPort;
        Port = FreePort.Next();
        Restore();
    }

    public int Port { get; }

    public void Restore()
    {
        var listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        _listener = listener;
        _accepting = AcceptAsync(listener);
    }

    public async Task CutAsync()
    {
        _listener?.Stop();
        _listener = null;
        await _accepting;
        lock (_lock)
        {
            foreach (var c in _open)
                c.Dispose();
            _open.Clear();
        }
    }

    /// <summary>From now on bytes from the gateway are swallowed and none reach it; connections (and new ones) stay open.</summary>
    public void BlackHole() => _blackHole = true;

    /// <summary>The link back: connections from the silent spell are closed (their streams lost bytes), new ones relay again.</summary>
    public async Task HealAsync()
    {
        await CutAsync();
        _blackHole = false;
        Restore();
    }

    private async Task AcceptAsync(TcpListener listener)
    {
        while (true)
        {
            TcpClient inbound;
            try
            {
                inbound = await listener.AcceptTcpClientAsync();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            var outbound = new TcpClient();
            try
            {
                await outbound.ConnectAsync(IPAddress.Loopback, _target);
            }
            catch (SocketException)
            {
                inbound.Dispose();
                outbound.Dispose();
                continue;
            }
            lock (_lock)
            {
                _open.Add(inbound);
                _open.Add(outbound);
            }
            _ = RelayAsync(inbound, outbound);
            _ = RelayAsync(outbound, inbound);
        }
    }

    private async Task RelayAsync(TcpClient from, TcpClient to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            var source = from.GetStream();
            var target = to.GetStream();
            while (true)
            {
                var n = await source.ReadAsync(buffer);
                if (n == 0)
                    break;
                if (!_blackHole)
                    await target.WriteAsync(buffer.AsMemory(0, n));
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException or InvalidOperationException)
        {
        }
        finally
        {
            from.Dispose();
            to.Dispose();
        }
    }

    public async ValueTask DisposeAsync() => await CutAsync();
}
