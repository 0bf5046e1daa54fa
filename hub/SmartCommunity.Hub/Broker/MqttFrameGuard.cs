using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using MQTTnet.Exceptions;
using SmartCommunity.Hub.Hosting;

namespace SmartCommunity.Hub.Broker;

/// <summary>
/// Sits in front of MQTTnet on every MQTT transport (TCP, TLS, WebSockets) and checks the framing of each packet before
/// MQTTnet sees it: the connection is dropped at a remaining length longer than four bytes (MQTT 3.1.1 §2.2.3) or larger
/// than the hub accepts, when a packet does not arrive whole within <see cref="HubOptions.MqttConnectTimeout"/> of its
/// first byte, and when nothing at all arrives for 1.5 × <see cref="HubOptions.MqttMaxKeepAlive"/>.
/// </summary>
/// <remarks>
/// MQTTnet's ASP.NET Core adapter (MqttConnectionContext.ReceivePacketAsync) reads until a packet decodes and only the
/// cancellation token ends the wait. So: garbage after a valid CONNECT held the socket until the keep-alive ran out; a
/// packet of any announced size was buffered; a device with keep-alive 0 could hold half a packet or a silent connection
/// forever; and when the transport ended inside a packet, every ReadAsync on the completed pipe returned at once with the
/// same fragment, a busy loop burning a core until a timeout (never, with keep-alive 0). Only the fixed header is parsed
/// here; bytes are passed on unchanged.
/// <para>Its timeouts run on the transport clock (<see cref="ClockKey"/>, the system clock), not on the hub's domain clock:
/// clients ping on real time, like MQTTnet's own connect timeout and keep-alive monitor, and tests that move the hub's
/// clock by hours must not time out the sockets of devices that are still there.</para>
/// </remarks>
public sealed class MqttFrameGuard(IOptions<HubOptions> options, [FromKeyedServices(MqttFrameGuard.ClockKey)] TimeProvider time, HubMetrics metrics,
    ILogger<MqttFrameGuard> logger)
{
    public const string ClockKey = "mqtt-transport";

    private readonly int _maxPacketBytes = options.Value.MqttMaxPacketBytes;
    private readonly TimeSpan _packetTimeout = options.Value.MqttConnectTimeout;
    private readonly TimeSpan _idleTimeout = options.Value.MqttMaxKeepAlive * 1.5;
    private readonly LogThrottle _log = new(time, TimeSpan.FromSeconds(10));

    /// <summary>Wraps the connection's transport for the rest of the pipeline (MQTTnet).</summary>
    public ConnectionDelegate Wrap(ConnectionDelegate next) => async connection =>
    {
        var original = connection.Transport;
        var pipe = new Pipe();
        var pump = PumpAsync(original.Input, pipe.Writer, connection);
        connection.Transport = new Duplex(new EndOfStreamReader(pipe.Reader), original.Output);
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
    };

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }

    private async Task PumpAsync(PipeReader input, PipeWriter output, ConnectionContext connection)
    {
        var framing = new Framing(_maxPacketBytes);
        using var deadline = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        // Time left for the packet under way; only time spent waiting for the client counts, not time MQTTnet takes to
        // read what came before (a device whose acknowledgements wait on a slow store is not the one stalling).
        TimeSpan? packetLeft = null;
        Exception? error = null;
        try
        {
            while (true)
            {
                // Between packets a client may stay silent up to the keep-alive cap; inside one, the rest of it must
                // arrive within the packet timeout, however slowly it trickles.
                deadline.CancelAfter(packetLeft is { } left ? Max(left, TimeSpan.FromMilliseconds(1)) : _idleTimeout);
                var waitStarted = time.GetTimestamp();
                ReadResult result;
                try
                {
                    result = await input.ReadAsync(deadline.Token);
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested)
                {
                    if (packetLeft is null)
                        Drop(connection, "idle_timeout", $"nothing received for {_idleTimeout.TotalSeconds:0} s (1.5 × Hub:MqttMaxKeepAlive)");
                    else
                        Drop(connection, "packet_timeout", $"a packet not complete within {_packetTimeout.TotalSeconds:0} s (Hub:MqttConnectTimeout)");
                    error = new MqttCommunicationTimedOutException();
                    break;
                }
                deadline.CancelAfter(Timeout.InfiniteTimeSpan);
                var waited = time.GetElapsedTime(waitStarted);
                if (result.IsCanceled)
                    break;
                var buffer = result.Buffer;
                var startedBefore = framing.PacketsStarted;
                var readerGone = false;
                foreach (var segment in buffer)
                {
                    if (framing.Check(segment.Span) is { } violation)
                    {
                        Drop(connection, "malformed", violation);
                        error = new InvalidDataException(violation);
                        break;
                    }
                    if ((await output.WriteAsync(segment)).IsCompleted)
                    {
                        readerGone = true;
                        break;
                    }
                }
                input.AdvanceTo(buffer.End);
                if (error is not null || readerGone)
                    break;
                packetLeft = !framing.InsidePacket ? null
                    : framing.PacketsStarted != startedBefore ? _packetTimeout
                    : packetLeft - waited;
                if (result.IsCompleted)
                {
                    // Counted here; the connection is ended by EndOfStreamReader once MQTTnet has taken the whole packets before it.
                    if (framing.InsidePacket)
                        Drop(connection, "truncated", "the connection ended inside a packet", abort: false);
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            // A transport that failed (reset, abort) or anything unexpected: MQTTnet must see an error, never wait on.
            error = ex;
        }
        await output.CompleteAsync(error);
    }

    private void Drop(ConnectionContext connection, string reason, string detail, bool abort = true)
    {
        metrics.MqttConnectionDropped(reason);
        // An attack opens many such connections: one warning per reason per interval, the rest at debug with the count.
        if (_log.TryEnter(reason, out var suppressed))
            logger.LogWarning("MQTT connection {ConnectionId} from {Remote} dropped: {Detail}; {Suppressed} more dropped for {Reason} since the last warning",
                connection.ConnectionId, connection.RemoteEndPoint, detail, suppressed, reason);
        else
            logger.LogDebug("MQTT connection {ConnectionId} from {Remote} dropped: {Detail}", connection.ConnectionId, connection.RemoteEndPoint, detail);
        if (abort)
            connection.Abort(new ConnectionAbortedException(detail));
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>The fixed-header state machine: packet type byte, 1–4 length bytes, then the body skipped.</summary>
    private sealed class Framing(int maxPacketBytes)
    {
        private int _state; // 0 = type byte, 1 = length bytes, 2 = body
        private int _lengthBytes;
        private int _multiplier;
        private long _remaining;

        /// <summary>Between two packets the state is 0; anything else means bytes of a packet are still owed.</summary>
        public bool InsidePacket => _state != 0;

        public long PacketsStarted { get; private set; }

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
                        PacketsStarted++;
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

    /// <summary>
    /// What MQTTnet reads. Once the writer has finished, a read that took nothing from what is left would be answered
    /// with the same bytes forever: the reader is waiting for the rest of a packet that will never come. The next read
    /// throws instead, so MQTTnet ends the connection; whole packets before the fragment are still read first.
    /// </summary>
    /// <remarks>
    /// Completing the inner pipe with an error would end it too, but a pipe completed with an error throws on the next
    /// read at once, dropping whole packets still buffered ahead of the fragment (a last reading, a DISCONNECT).
    /// </remarks>
    internal sealed class EndOfStreamReader(PipeReader inner) : PipeReader
    {
        private ReadOnlySequence<byte> _last;
        private bool _lastCompleted;
        private bool _stuck;

        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            ThrowIfStuck();
            var read = inner.ReadAsync(cancellationToken);
            return read.IsCompletedSuccessfully ? new(Track(read.Result)) : AwaitAsync(read);
        }

        private async ValueTask<ReadResult> AwaitAsync(ValueTask<ReadResult> read) => Track(await read);

        public override bool TryRead(out ReadResult result)
        {
            ThrowIfStuck();
            if (!inner.TryRead(out result))
                return false;
            result = Track(result);
            return true;
        }

        private ReadResult Track(ReadResult result)
        {
            _last = result.Buffer;
            _lastCompleted = result.IsCompleted;
            return result;
        }

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            if (_lastCompleted && !_last.IsEmpty && _last.GetOffset(consumed) == _last.GetOffset(_last.Start))
                _stuck = true;
            inner.AdvanceTo(consumed, examined);
        }

        private void ThrowIfStuck()
        {
            if (_stuck)
                throw new MqttCommunicationException("the connection ended inside an MQTT packet");
        }

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);
    }
}

public static class MqttFrameGuardExtensions
{
    /// <summary>Puts the frame guard in front of what follows (UseMqtt) on a listener or a connection endpoint.</summary>
    public static IConnectionBuilder UseMqttFrameGuard(this IConnectionBuilder builder, MqttFrameGuard guard) =>
        builder.Use(guard.Wrap);
}
