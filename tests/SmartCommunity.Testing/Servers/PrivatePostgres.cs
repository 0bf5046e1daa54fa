using System.Globalization;

namespace SmartCommunity.Testing;

/// <summary>
/// A private PostgreSQL server on a free port (the same up.sh, its own cluster directory) that a test may stop and
/// start without disturbing the shared server other tests use.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sc-pg-test-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly int _port = FreePort.Next();

    public string ConnectionString { get; private set; } = "";

    public static async Task<PrivatePostgres> StartAsync()
    {
        await ClusterServers.RequirePostgresAsync(); // the binaries and the shared server come from the same up.sh
        var server = new PrivatePostgres();
        await server.UpAsync();
        return server;
    }

    /// <summary>Starts (or restarts on its existing data) and waits until a login works.</summary>
    public async Task UpAsync()
    {
        var output = await RunAsync(RepoPaths.Infra("postgres/up.sh"));
        ConnectionString = output.Trim().Split('\n')[^1];
    }

    /// <summary>Stops the server the way an operator restarting it would (pg_ctl stop -m fast: sessions are cut).</summary>
    public async Task StopAsync()
    {
        var bin = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Order().Last();
        var ctl = $"{bin}/pg_ctl -D {_dir}/data -m fast -w -t 30 stop";
        await RunAsync("/bin/bash", "-c", Environment.UserName == "root" ? $"runuser -u postgres -- {ctl}" : ctl);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync(RepoPaths.Infra("postgres/down.sh"));
        }
        catch (InvalidOperationException) { }
    }

    private Task<string> RunAsync(string file, params string[] args) =>
        ClusterServers.RunScriptAsync(file, args, new Dictionary<string, string>
        {
            ["SC_PG_DIR"] = _dir,
            ["SC_PG_PORT"] = _port.ToString(CultureInfo.InvariantCulture),
        });
}
