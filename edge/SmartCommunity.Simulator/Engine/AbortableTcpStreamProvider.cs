using System.Net;
using System.Net.Sockets;
using MQTTnet.Channel;

namespace SmartCommunity.Simulator.Engine;

/// <summary>
/// Opens the device's TCP connection itself so the <c>offline</c> scenario can pull the plug: a
/// reset without an MQTT DISCONNECT, which is what makes the broker publish the last will.
/// </summary>
internal sealed class AbortableTcpStreamProvider : IMqttClientStreamProvider
{
    private Socket? _socket;

    public async Task<Stream> ConnectAsync(EndPoint brokerEndPoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(brokerEndPoint, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        Interlocked.Exchange(ref _socket, socket)?.Dispose();
        return new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>Resets the connection (linger 0 → RST). Returns false when there was none.</summary>
    public bool Abort()
    {
        var socket = Interlocked.Exchange(ref _socket, null);
        if (socket is null)
        {
            return false;
        }

        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
            // Already closed by the client: the connection is gone either way.
        }

        return true;
    }
}
