using System.Text;

namespace SmartCommunity.Provisioner;

/// <summary>A device's reply line: <c>OK …</c> or <c>ERR code name</c>.</summary>
public sealed record Reply(string Line)
{
    public bool IsOk => Line.StartsWith("OK", StringComparison.Ordinal);

    /// <summary>The error code of an <c>ERR</c> reply (see firmware/README.md), or 0.</summary>
    public int ErrorCode => !IsOk && Line.Split(' ') is [_, var code, ..] && int.TryParse(code, out var c) ? c : 0;

    public override string ToString() => Line;
}

/// <summary>
/// The serial provisioning protocol, client side: one command line out, exactly one reply line back.
/// The stream is the serial device (a tty opened as a file; set it to 115200 raw first on real hardware).
/// </summary>
public sealed class ProvisioningClient(Stream serial, TimeSpan replyTimeout) : IAsyncDisposable
{
    private readonly byte[] _buffer = new byte[1024];
    private readonly StringBuilder _pending = new();

    /// <summary>Sends one command and waits for its reply line.</summary>
    /// <exception cref="TimeoutException">No reply within the timeout (wrong port, device not in provisioning mode).</exception>
    public async Task<Reply> SendAsync(string command, CancellationToken cancellationToken = default)
    {
        if (command.Contains('\n', StringComparison.Ordinal) || command.Contains('\r', StringComparison.Ordinal))
        {
            throw new ArgumentException("A command is one line.", nameof(command));
        }

        await serial.WriteAsync(Encoding.UTF8.GetBytes(command + "\n"), cancellationToken);
        await serial.FlushAsync(cancellationToken);
        return new Reply(await ReadLineAsync(cancellationToken));
    }

    /// <summary>
    /// Stages every setting, then COMMIT. On the first refused line it sends ABORT, so the device
    /// keeps its previous configuration, and returns that refusal.
    /// </summary>
    public async Task<(bool Committed, string Command, Reply Reply)> ApplyAsync(IEnumerable<KeyValuePair<string, string>> settings, CancellationToken cancellationToken = default)
    {
        foreach (var (key, value) in settings)
        {
            var command = $"SET {key} {value}";
            var reply = await SendAsync(command, cancellationToken);
            if (!reply.IsOk)
            {
                await SendAsync("ABORT", cancellationToken);
                return (false, IsSecret(key) ? $"SET {key} …" : command, reply);
            }
        }

        var commit = await SendAsync("COMMIT", cancellationToken);
        if (!commit.IsOk)
        {
            await SendAsync("ABORT", cancellationToken);
        }

        return (commit.IsOk, "COMMIT", commit);
    }

    public ValueTask DisposeAsync() => serial.DisposeAsync();

    private static bool IsSecret(string key) => key is "device_secret" or "wifi_password";

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(replyTimeout);
        while (true)
        {
            var text = _pending.ToString();
            var newline = text.IndexOf('\n', StringComparison.Ordinal);
            if (newline >= 0)
            {
                _pending.Remove(0, newline + 1);
                return text[..newline].TrimEnd('\r');
            }

            int n;
            try
            {
                // A tty read may ignore cancellation: stop waiting for it instead.
                n = await serial.ReadAsync(_buffer, timeout.Token).AsTask().WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"No reply within {replyTimeout.TotalSeconds:0.#} s.");
            }

            if (n == 0)
            {
                throw new EndOfStreamException("The serial line closed.");
            }

            _pending.Append(Encoding.UTF8.GetString(_buffer, 0, n));
        }
    }
}
