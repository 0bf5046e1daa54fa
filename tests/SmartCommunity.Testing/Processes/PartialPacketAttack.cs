using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace SmartCommunity.Testing;

/// <summary>The four shapes of the partial-packet attack (issue #15): on TCP or MQTT over WebSockets, before or after a CONNECT.</summary>
public enum AttackVariant
{
    /// <summary>No credentials: a CONNECT announcing 32 bytes of which 4 are sent, then the sending side closed.</summary>
    TcpAnonymous,

    /// <summary>A device's valid CONNECT with keep-alive 0, its CONNACK read, half a PUBLISH, then the sending side closed.</summary>
    TcpDevice,
    WebSocketAnonymous,
    WebSocketDevice,
}

/// <summary>Where the attack goes: the hub's MQTT port and its MQTT-over-WebSockets address.</summary>
public sealed record AttackTarget(int MqttPort, Uri WebSocket);

/// <summary>
/// One attack connection: sends its bytes, then closes only its sending side (TCP FIN, or a WebSocket close frame) and
/// keeps reading, so the caller sees when (and whether) the hub closes its side. Shared by PartialPacketTests and the
/// `attack` bench.
/// </summary>
public abstract class AttackConnection : IAsyncDisposable
{
    /// <summary>"\x10\x20\x00\x04MQ": a CONNECT whose remaining length says 32 bytes, 4 of them sent.</summary>
    public static readonly byte[] HalfConnect = [0x10, 0x20, 0x00, 0x04, (byte)'M', (byte)'Q'];

    public static async Task<AttackConnection> OpenAsync(AttackVariant variant, AttackTarget target, (string DeviceId, string Secret)? device, string clientId, CancellationToken ct)
    {
        var credentialed = variant is AttackVariant.TcpDevice or AttackVariant.WebSocketDevice;
        if (credentialed && device is null)
            throw new ArgumentException($"{variant} needs a device credential", nameof(device));
        AttackConnection connection = variant is AttackVariant.TcpAnonymous or AttackVariant.TcpDevice
            ? await TcpAttack.ConnectAsync(target.MqttPort, ct)
            : await WebSocketAttack.ConnectAsync(target.WebSocket, ct);
        try
        {
            if (credentialed)
            {
                var (id, secret) = device!.Value;
                await connection.SendAsync(Connect(clientId, id, secret, keepAliveSeconds: 0), ct);
                connection.ConnAck = await connection.ReadConnAckAsync(ct);
                await connection.SendAsync(HalfPublish($"sc/v1/{id}/up"), ct);
            }
            else
            {
                await connection.SendAsync(HalfConnect, ct);
            }
            await connection.CloseSendingAsync(ct);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        return connection;
    }

    /// <summary>The CONNACK's return code (0 = accepted) for the credentialed variants; null when there was none.</summary>
    public int? ConnAck { get; private set; }

    protected abstract Task SendAsync(byte[] bytes, CancellationToken ct);

    protected abstract Task CloseSendingAsync(CancellationToken ct);

    /// <summary>Reads up to <paramref name="buffer"/>.Length bytes; 0 once the hub has closed its side (or reset the connection).</summary>
    protected abstract Task<int> ReceiveAsync(byte[] buffer, CancellationToken ct);

    private async Task<int?> ReadConnAckAsync(CancellationToken ct)
    {
        // CONNACK is 4 bytes: 0x20 0x02 flags code. WebSocket messages may bring it whole; TCP may split it.
        var got = new List<byte>();
        var buffer = new byte[64];
        while (got.Count < 4)
        {
            var n = await ReceiveAsync(buffer, ct);
            if (n == 0)
                return null;
            got.AddRange(buffer.AsSpan(0, n));
        }
        return got[0] == 0x20 ? got[3] : null;
    }

    /// <summary>True once the hub has closed its side (end of stream, close frame, reset or abort); false if still open at the deadline.</summary>
    public async Task<bool> ClosedByHubAsync(TimeSpan within)
    {
        using var deadline = new CancellationTokenSource(within);
        var buffer = new byte[256];
        try
        {
            while (await ReceiveAsync(buffer, deadline.Token) > 0)
            {
            }
            return true;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>A valid MQTT 3.1.1 CONNECT: clean session, user name and password, the given keep-alive (0 = none).</summary>
    public static byte[] Connect(string clientId, string user, string password, ushort keepAliveSeconds)
    {
        byte[] body = [0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 0xC2, (byte)(keepAliveSeconds >> 8), (byte)keepAliveSeconds,
            .. Str(clientId), .. Str(user), .. Str(password)];
        return [0x10, .. RemainingLength(body.Length), .. body];
    }

    /// <summary>The first half of a QoS 1 PUBLISH with a 100-byte payload: the header announces every byte, half are sent.</summary>
    public static byte[] HalfPublish(string topic)
    {
        byte[] body = [.. Str(topic), 0x00, 0x01, .. new byte[100]];
        byte[] packet = [0x32, .. RemainingLength(body.Length), .. body];
        return packet[..(packet.Length / 2)];
    }

    private static byte[] Str(string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        return [(byte)(b.Length >> 8), (byte)b.Length, .. b];
    }

    private static byte[] RemainingLength(int n)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(n % 128);
            n /= 128;
            bytes.Add(n > 0 ? (byte)(b | 0x80) : b);
        } while (n > 0);
        return [.. bytes];
    }

    public abstract ValueTask DisposeAsync();

    private sealed class TcpAttack(TcpClient tcp) : AttackConnection
    {
        // Taken once: GetStream refuses once the socket has seen a reset, which is one way the hub closes it.
        private readonly NetworkStream _stream = tcp.GetStream();

        public static async Task<AttackConnection> ConnectAsync(int port, CancellationToken ct)
        {
            var tcp = new TcpClient();
            try
            {
                await tcp.ConnectAsync(IPAddress.Loopback, port, ct);
            }
            catch
            {
                tcp.Dispose();
                throw;
            }
            return new TcpAttack(tcp);
        }

        protected override async Task SendAsync(byte[] bytes, CancellationToken ct) => await _stream.WriteAsync(bytes, ct);

        protected override Task CloseSendingAsync(CancellationToken ct)
        {
            tcp.Client.Shutdown(SocketShutdown.Send);
            return Task.CompletedTask;
        }

        protected override async Task<int> ReceiveAsync(byte[] buffer, CancellationToken ct)
        {
            try
            {
                return await _stream.ReadAsync(buffer, ct);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                return 0;
            }
        }

        public override ValueTask DisposeAsync()
        {
            tcp.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class WebSocketAttack(ClientWebSocket socket) : AttackConnection
    {
        public static async Task<AttackConnection> ConnectAsync(Uri uri, CancellationToken ct)
        {
            var socket = new ClientWebSocket();
            socket.Options.AddSubProtocol("mqtt");
            try
            {
                await socket.ConnectAsync(uri, ct);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            return new WebSocketAttack(socket);
        }

        protected override async Task SendAsync(byte[] bytes, CancellationToken ct) =>
            await socket.SendAsync(bytes, WebSocketMessageType.Binary, endOfMessage: true, ct);

        protected override async Task CloseSendingAsync(CancellationToken ct) =>
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);

        protected override async Task<int> ReceiveAsync(byte[] buffer, CancellationToken ct)
        {
            try
            {
                var result = await socket.ReceiveAsync(buffer, ct);
                return result.MessageType == WebSocketMessageType.Close ? 0 : Math.Max(result.Count, 1);
            }
            catch (WebSocketException)
            {
                return 0;
            }
            catch (ObjectDisposedException)
            {
                return 0;
            }
        }

        public override ValueTask DisposeAsync()
        {
            socket.Abort();
            socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
