using System.Diagnostics;
using Npgsql;
using StackExchange.Redis;

namespace SmartCommunity.Testing;

/// <summary>
/// The servers a hub cluster shares: PostgreSQL (tests/infra/postgres/up.sh, SC_PG_CONNECTION) and Redis
/// (tests/infra/redis/up.sh, SC_REDIS). In CI (CI=true) a missing server fails the test, because .ci/run starts
/// them; locally the tests skip with a message saying how to start it.
/// </summary>
public static class ClusterServers
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string PostgresConnection => Environment.GetEnvironmentVariable("SC_PG_CONNECTION") is { Length: > 0 } cs
        ? cs : "Host=127.0.0.1;Port=15432;Username=sc;Password=sc;Database=sc";

    public static string Redis => Environment.GetEnvironmentVariable("SC_REDIS") is { Length: > 0 } r ? r : "127.0.0.1:16379";

    /// <summary>Whether the tests run the hub on PostgreSQL instead of SQLite (SC_HUB_DB=postgres).</summary>
    public static bool HubOnPostgres => string.Equals(Environment.GetEnvironmentVariable("SC_HUB_DB"), "postgres", StringComparison.OrdinalIgnoreCase);

    private static readonly Lazy<Task<bool>> PostgresReachable = new(() => CanConnectAsync(PostgresConnection));
    private static readonly Lazy<Task<bool>> RedisReachable = new(async () =>
    {
        try
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(Redis + ",connectTimeout=3000,abortConnect=true");
            return redis.IsConnected;
        }
        catch (RedisConnectionException)
        {
            return false;
        }
    });

    public static async Task RequirePostgresAsync()
    {
        if (!await PostgresReachable.Value)
            Missing($"No PostgreSQL answers at {PostgresConnection} (SC_PG_CONNECTION)", "tests/infra/postgres/up.sh");
    }

    public static async Task RequireRedisAsync()
    {
        if (!await RedisReachable.Value)
            Missing($"No Redis answers at {Redis} (SC_REDIS)", "tests/infra/redis/up.sh");
    }

    /// <summary>Skips the test locally; fails it in CI (CI=true), where .ci/run starts every server.</summary>
    public static void Missing(string what, string script)
    {
        var message = $"{what}. Start it with {script}.";
        if (InCi)
            Assert.Fail("CI=true: " + message);
        Assert.Skip(message);
    }

    /// <summary>A connection string for a database of this name on the shared server; the hub creates it on start.</summary>
    public static string PostgresDatabase(string name) =>
        new NpgsqlConnectionStringBuilder(PostgresConnection) { Database = name }.ToString();

    public static string NewDatabaseName() => "sc_test_" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>Hub settings for running on this PostgreSQL database.</summary>
    public static Dictionary<string, string?> PostgresSettings(string connectionString, IDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Hub:Database:Provider"] = "postgres",
            ["ConnectionStrings:Hub"] = connectionString,
        };
        foreach (var (k, v) in more ?? new Dictionary<string, string?>())
            settings[k] = v;
        return settings;
    }

    /// <summary>Drops a test database (connections still open to it are ended by the server).</summary>
    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(PostgresConnection);
        await admin.OpenAsync();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", admin);
                await drop.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException e) when (attempt < 3 && e.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.ObjectInUse)
            {
                // An autovacuum worker on the database (a server process FORCE may only end with pg_signal_backend,
                // which up.sh grants): it finishes quickly. Clean-up, so a leftover database in the test cluster is harmless.
                await Task.Delay(500);
            }
            catch (PostgresException) when (attempt >= 3)
            {
                return;
            }
        }
    }

    private static async Task<bool> CanConnectAsync(string connectionString)
    {
        try
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Timeout = 3 }.ToString());
            await connection.OpenAsync();
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    /// <summary>Runs a server script (tests/infra) with its instance variables; its stdout, or its stderr in the exception.</summary>
    public static async Task<string> RunScriptAsync(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} failed ({process.ExitCode}): {await stderr}");
        return await stdout;
    }
}
