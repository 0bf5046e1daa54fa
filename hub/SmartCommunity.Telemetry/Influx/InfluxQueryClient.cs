using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace SmartCommunity.Telemetry.Influx;

/// <summary>One series of an InfluxQL result: its tags and rows (column name → value).</summary>
internal sealed record InfluxSeries(IReadOnlyDictionary<string, string> Tags, IReadOnlyList<string> Columns, IReadOnlyList<JsonElement[]> Rows)
{
    public int Column(string name)
    {
        for (var i = 0; i < Columns.Count; i++)
        {
            if (Columns[i] == name)
            {
                return i;
            }
        }
        throw new InvalidOperationException($"InfluxDB returned no column '{name}' (columns: {string.Join(", ", Columns)}).");
    }
}

/// <summary>
/// InfluxQL over HTTP (<c>/query</c>), which InfluxDB 1.x, 2.x (through DBRP mappings) and 3.x all serve;
/// InfluxDB.Client 5.1 speaks only Flux, so reads and InfluxQL statements go through this small client.
/// </summary>
internal sealed class InfluxQueryClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _database;

    public InfluxQueryClient(InfluxTelemetryOptions options)
    {
        _database = options.Database;
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = new Uri(options.Url.TrimEnd('/') + "/"),
            Timeout = options.Timeout,
        };
        if (!string.IsNullOrEmpty(options.Token))
        {
            // 2.x and 3.x take "Token <token>"; 1.8+ takes "Token user:password" the same way.
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", options.Token);
        }
    }

    public HttpClient Http => _http;

    /// <summary>Runs one SELECT/SHOW statement (GET) against the database; times come back as Unix milliseconds.</summary>
    public Task<IReadOnlyList<InfluxSeries>> QueryAsync(string statement, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, statement, withDatabase: true, ct);

    /// <summary>Runs a statement that changes data or schema (POST): CREATE DATABASE, DELETE.</summary>
    public Task<IReadOnlyList<InfluxSeries>> ExecuteAsync(string statement, bool withDatabase, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, statement, withDatabase, ct);

    public async Task PingAsync(CancellationToken ct)
    {
        try
        {
            using var response = await _http.GetAsync("ping", ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new InfluxTelemetryException(InfluxFailure.Unreachable, $"InfluxDB at {_http.BaseAddress} answered /ping with HTTP {(int)response.StatusCode}.");
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw new InfluxTelemetryException(InfluxFailure.Unreachable, $"InfluxDB at {_http.BaseAddress} is unreachable: {ex.Message}", ex);
        }
    }

    private async Task<IReadOnlyList<InfluxSeries>> SendAsync(HttpMethod method, string statement, bool withDatabase, CancellationToken ct)
    {
        var query = "query?epoch=ms&q=" + Uri.EscapeDataString(statement) + (withDatabase ? "&db=" + Uri.EscapeDataString(_database) : "");
        HttpResponseMessage response;
        try
        {
            using var request = new HttpRequestMessage(method, query);
            response = await _http.SendAsync(request, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw new InfluxTelemetryException(InfluxFailure.Unreachable, $"InfluxDB at {_http.BaseAddress} is unreachable: {ex.Message}", ex);
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
            {
                throw Classify(response.StatusCode, ErrorText(body), _database, statement);
            }
            return Parse(body, statement);
        }
    }

    internal static InfluxTelemetryException Classify(HttpStatusCode status, string error, string database, string what)
    {
        var code = (int)status;
        if (error.Contains("database not found", StringComparison.OrdinalIgnoreCase) || (code == 404 && error.Contains("bucket", StringComparison.OrdinalIgnoreCase)))
        {
            return new InfluxTelemetryException(InfluxFailure.DatabaseNotFound,
                $"InfluxDB has no database/bucket '{database}' ({error}). Create it (with a DBRP mapping on 2.x) or set Telemetry:Influx:CreateDatabase=true.");
        }
        if (error.Contains("field type conflict", StringComparison.OrdinalIgnoreCase))
        {
            return new InfluxTelemetryException(InfluxFailure.TypeConflict,
                $"InfluxDB refused points because a field already has another type in '{database}': {error}. " +
                "The store writes \"value\" as a float; another writer (Telegraf, a script) must have used the same measurement. " +
                "Point the store at its own measurement (Telemetry:Influx:Measurement) or database.");
        }
        if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            return new InfluxTelemetryException(InfluxFailure.Unauthorized,
                $"InfluxDB refused the credentials (HTTP {code}): {error}. Check Telemetry:Influx:Token and its permissions on '{database}'.");
        }
        if (code >= 500 || status == HttpStatusCode.TooManyRequests || code == 0)
        {
            return new InfluxTelemetryException(InfluxFailure.Unreachable, $"InfluxDB is unavailable (HTTP {code}): {error}");
        }
        return new InfluxTelemetryException(InfluxFailure.Rejected, $"InfluxDB rejected {Shorten(what)} (HTTP {code}): {error}");
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";

    private static string ErrorText(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("error", out var e) || doc.RootElement.TryGetProperty("message", out e))
            {
                return e.GetString() ?? body;
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML error page): the raw text is the best message there is.
        }
        return body.Trim();
    }

    private List<InfluxSeries> Parse(string body, string statement)
    {
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        if (root.TryGetProperty("error", out var topError))
        {
            throw Classify(HttpStatusCode.BadRequest, topError.GetString() ?? "", _database, statement);
        }

        var result = new List<InfluxSeries>();
        if (!root.TryGetProperty("results", out var results))
        {
            return result;
        }
        foreach (var statementResult in results.EnumerateArray())
        {
            if (statementResult.TryGetProperty("error", out var error))
            {
                var text = error.GetString() ?? "";
                var status = text.Contains("database not found", StringComparison.OrdinalIgnoreCase) ? HttpStatusCode.NotFound : HttpStatusCode.BadRequest;
                throw Classify(status, text, _database, statement);
            }
            if (!statementResult.TryGetProperty("series", out var seriesArray))
            {
                continue;
            }
            foreach (var series in seriesArray.EnumerateArray())
            {
                var tags = new Dictionary<string, string>(StringComparer.Ordinal);
                if (series.TryGetProperty("tags", out var tagObject))
                {
                    foreach (var tag in tagObject.EnumerateObject())
                    {
                        tags[tag.Name] = tag.Value.GetString() ?? "";
                    }
                }
                var columns = series.GetProperty("columns").EnumerateArray().Select(c => c.GetString() ?? "").ToList();
                var rows = new List<JsonElement[]>();
                if (series.TryGetProperty("values", out var values))
                {
                    foreach (var row in values.EnumerateArray())
                    {
                        // Clone: the elements must outlive the JsonDocument disposed at the end of this method.
                        rows.Add([.. row.EnumerateArray().Select(v => v.Clone())]);
                    }
                }
                result.Add(new InfluxSeries(tags, columns, rows));
            }
        }
        return result;
    }

    public void Dispose() => _http.Dispose();
}
