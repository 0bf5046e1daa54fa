using System.Diagnostics;
using System.Text;
using SmartCommunity.SensorNode.Core;

namespace SmartCommunity.Testing;

/// <summary>
/// A host-run firmware core behind a pseudo-terminal pair made by socat: the node reads lines from
/// one end and answers through <see cref="ProvisioningSession"/>, the way the device's UART adapter
/// does; the provisioner opens <see cref="TechnicianPort"/> like a serial device.
/// </summary>
public sealed class PtyNode : IAsyncDisposable
{
    private readonly Process _socat;
    private readonly string _folder;
    private readonly FileStream _nodeEnd;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private PtyNode(Process socat, string folder, FileStream nodeEnd)
    {
        _socat = socat;
        _folder = folder;
        _nodeEnd = nodeEnd;
        Storage = new MemoryStorage();
        Node = new NodeCore(Storage, 0);
        _loop = Task.Run(ServeAsync);
    }

    public NodeCore Node { get; }

    /// <summary>The node's flash: a reboot reads the committed config from here (SimulatedFleet.FromProvisionedNodes does).</summary>
    public MemoryStorage Storage { get; }

    /// <summary>Guarded by the node's own loop; read it only after a reply came back.</summary>
    public ProvisioningSession? Session { get; private set; }

    public string TechnicianPort => Path.Combine(_folder, "technician");

    public static async Task<PtyNode> StartAsync(CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("sc-pty-").FullName;
        var node = Path.Combine(folder, "node");
        var technician = Path.Combine(folder, "technician");
        var socat = Process.Start(new ProcessStartInfo("socat", ["-d", "-d", $"pty,raw,echo=0,link={node}", $"pty,raw,echo=0,link={technician}"])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("socat did not start");
        socat.ErrorDataReceived += (_, _) => { };
        socat.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!(File.Exists(node) && File.Exists(technician)))
        {
            if (DateTime.UtcNow > deadline || socat.HasExited)
            {
                socat.Kill();
                throw new InvalidOperationException("socat did not create the pty pair (is the socat package installed?)");
            }

            await Task.Delay(20, cancellationToken);
        }

        return new PtyNode(socat, folder, new FileStream(node, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (!_socat.HasExited)
        {
            _socat.Kill();
        }

        await _socat.WaitForExitAsync();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _nodeEnd.DisposeAsync();
        _socat.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private async Task ServeAsync()
    {
        var buffer = new byte[1024];
        var line = new StringBuilder();
        Session = new ProvisioningSession(Node);
        while (!_stop.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await _nodeEnd.ReadAsync(buffer).AsTask().WaitAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
                return;
            }

            if (n == 0)
            {
                return;
            }

            foreach (var c in Encoding.UTF8.GetString(buffer, 0, n))
            {
                if (c != '\n')
                {
                    line.Append(c);
                    continue;
                }

                var reply = Session.Handle(line.ToString(), 0);
                line.Clear();
                await _nodeEnd.WriteAsync(Encoding.UTF8.GetBytes(reply + "\n"));
            }
        }
    }
}
