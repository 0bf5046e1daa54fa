using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace SmartCommunity.Hub.Mqtt;

/// <summary>
/// Checks the framing of every MQTT packet on a TCP connection before MQTTnet sees it, and drops the connection at the
/// first violation: a remaining length longer than four bytes (MQTT 3.1.1 §2.2.3) or larger than the hub accepts.
/// </summary>
/// <remarks>
/// MQTTnet's ASP.NET Core adapter treats a packet it cannot decode yet as incomplete and waits for more bytes, and
/// buffers a packet of any announced size: after a valid CONNECT, garbage held the socket until the keep-alive ran out
/// (90 s), and one client could make the hub buffer up to 256 MB. Only the fixed header is parsed here; bytes are
/// passed on unchanged.
/// </remarks>
public static class MqttFrameGuard
{
    public static IConnectionBuilder UseMqttFrameGuard(this IConnectionBuilder builder, int maxPacketBytes, ILogger logger) =>
        builder.Use(next => async connection =>
        {
            var original = connection.Transport;
            var pipe = new Pipe();
            var pump = PumpAsync(original.Input, pipe.Writer, maxPacketBytes, connection, logger);
            connection.Transport = new Duplex(pipe.Reader, original.Output);
            try
            {
                await next(connection);
            }
            finally
            {
                original.Input.CancelPendingRead();
                await pump;
                connection.Transport = original;
            }
        });

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }

    private static async Task PumpAsync(PipeReader input, PipeWriter output, int maxPacketBytes, ConnectionContext connection, ILogger logger)
    {
        var framing = new Framing(maxPacketBytes);
        Exception? error = null;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync();
                if (result.IsCanceled)
                    break;
                var buffer = result.Buffer;
                foreach (var segment in buffer)
                {
                    if (framing.Check(segment.Span) is { } violation)
                    {
                        logger.LogWarning("MQTT connection {ConnectionId} from {Remote} dropped: {Violation}", connection.ConnectionId, connection.RemoteEndPoint, violation);
                        connection.Abort(new ConnectionAbortedException(violation));
                        error = new InvalidDataException(violation);
                        break;
                    }
                    await output.WriteAsync(segment);
                }
                input.AdvanceTo(buffer.End);
                if (error is not null || result.IsCompleted)
                    break;
            }
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException or OperationCanceledException)
        {
            error = ex;
        }
        await output.CompleteAsync(error);
    }

    /// <summary>The fixed-header state machine: packet type byte, 1–4 length bytes, then the body skipped.</summary>
    private sealed class Framing(int maxPacketBytes)
    {
        private int _state; // 0 = type byte, 1 = length bytes, 2 = body
        private int _lengthBytes;
        private int _multiplier;
        private long _remaining;

        public string? Check(ReadOnlySpan<byte> data)
        {
            var i = 0;
            while (i < data.Length)
            {
                switch (_state)
                {
                    case 0:
                        if (data[i] >> 4 == 0)
                            return "packet type 0 is reserved";
                        i++;
                        _state = 1;
                        _lengthBytes = 0;
                        _multiplier = 1;
                        _remaining = 0;
                        break;
                    case 1:
                        var b = data[i++];
                        _remaining += (b & 0x7F) * (long)_multiplier;
                        if (++_lengthBytes > 4)
                            return "remaining length longer than four bytes";
                        if ((b & 0x80) != 0)
                        {
                            _multiplier *= 128;
                            break;
                        }
                        if (_remaining > maxPacketBytes)
                            return $"packet of {_remaining} bytes announced (at most {maxPacketBytes})";
                        _state = _remaining == 0 ? 0 : 2;
                        break;
                    default:
                        var skip = (int)Math.Min(_remaining, data.Length - i);
                        i += skip;
                        _remaining -= skip;
                        if (_remaining == 0)
                            _state = 0;
                        break;
                }
            }
            return null;
        }
    }
}
