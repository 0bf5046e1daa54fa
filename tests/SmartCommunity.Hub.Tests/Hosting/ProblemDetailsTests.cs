using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Places;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// Every 4xx is an RFC 9457 problem details body, whatever the endpoint, the caller, the input or the Accept header.
/// The walk takes every endpoint the hub maps (from its endpoint data source, like the authorization matrix) and sends
/// it malformed route values, query strings and bodies, as nobody, an admin and a family member.
/// </summary>
public sealed class ProblemDetailsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly HubApp _hub = new(settings: new Dictionary<string, string?> { ["Hub:RateLimits:Enabled"] = "false" });
    private World _world = null!;

    /// <summary>Protocol endpoints whose clients are protocol libraries, not API clients; each answers in its protocol's own terms.</summary>
    private static readonly Dictionary<string, string> NotWalked = new()
    {
        ["/hubs/alerts"] = "the SignalR transport: its errors (\"Connection ID required\") are part of the SignalR protocol its client library parses",
        ["/hubs/alerts/negotiate"] = "SignalR's negotiate, answered in the SignalR protocol (a GET is its own bodiless text/plain 405); a 401 there is problem details",
        ["/mqtt"] = "MQTT over WebSockets: a connection handler, answered in MQTT",
        ["/mqtt/negotiate"] = "the connection handler's negotiate (MQTT over WebSockets)",
        ["/ack/{token}"] = "the page a person opens from a cascade SMS: it answers in HTML in their language, errors too (CascadeTests: unknown, used and forged tokens)",
    };

    public async ValueTask InitializeAsync()
    {
        _hub.Start();
        _world = await _hub.SeedWorldAsync();
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    private static readonly string[] Accepts = ["", "application/json", "text/html", "text/plain", "application/xml", "*/*"];

    private static readonly string[] Queries =
    [
        "",
        "?limit=abc&from=yesterday&to=%00&status=bogus&interval=forever&month=2024-13&communityId=x&gridId=x&residentId=x&deviceId=%E2%80%AE&reads=maybe&endpoint=&name=",
        "?communityId=999999&gridId=999999&name=temp&from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z&interval=PT0S&month=1999-99&limit=-5",
    ];

    private static readonly string MalformedFields = JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["name"] = "A\0B\u202Egnp.exe", ["address"] = new string('x', 5000), ["displayName"] = "\u2066x\u2069", ["note"] = 17, ["text"] = "\u0007",
        ["comment"] = "\u009B", ["label"] = "l\r\nl", ["assignee"] = "nobody", ["outcome"] = "bogus", ["rating"] = 9, ["kind"] = "sos", ["email"] = "x",
        ["password"] = "y", ["role"] = "Nobody", ["householdId"] = "seven", ["gridId"] = -1, ["communityId"] = null, ["language"] = "xx",
        ["residentIds"] = "all", ["timeZone"] = "Mars/Olympus", ["quietStart"] = "25:99", ["secret"] = "", ["graceSeconds"] = -1, ["endpoint"] = "file:///etc/passwd",
        ["start"] = "noon", ["end"] = null, ["userId"] = "nobody",
    });

    private static IEnumerable<Func<HttpContent?>> Bodies()
    {
        yield return () => null;
        yield return () => new StringContent("{", Encoding.UTF8, "application/json");
        yield return () => new StringContent("[]", Encoding.UTF8, "application/json");
        yield return () => new StringContent("{}", Encoding.UTF8, "application/json");
        yield return () => new StringContent(MalformedFields, Encoding.UTF8, "application/json");
        yield return () => new StringContent("name=x", Encoding.UTF8, "application/x-www-form-urlencoded");
    }

    /// <summary>Route values for a parameter: an id that exists nowhere, one that overflows its type, text that does not parse.</summary>
    private static string[] Values(RoutePatternParameterPart parameter) =>
        parameter.ParameterPolicies.Any(p => p.Content is "int" or "long")
            ? ["999999", "99999999999999999999", "-1"]
            : parameter.Name == "month" ? ["2024-13", "x"] : ["no-such-thing", "a%E2%80%AEb", "a%0Ab"];
    // Not %00: Kestrel refuses a NUL in the path itself (an empty 400, connection closed) before any of the hub's code runs.

    private List<(string Method, string Url, string Pattern)> Targets()
    {
        var source = _hub.Services.GetRequiredService<EndpointDataSource>();
        var targets = new List<(string, string, string)>();
        foreach (var endpoint in source.Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = "/" + (endpoint.RoutePattern.RawText ?? "").Trim('/');
            if (NotWalked.ContainsKey(pattern))
                continue;
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods is { Count: > 0 } m ? m.Where(x => x != HttpMethods.Options).ToList() : ["GET", "POST"];
            // Every combination of the parameters' values would be large; each value once, the others at their first, is enough.
            var parameters = endpoint.RoutePattern.Parameters;
            var urls = new HashSet<string>();
            if (parameters.Count == 0)
                urls.Add(pattern);
            for (var p = 0; p < parameters.Count; p++)
            {
                foreach (var value in Values(parameters[p]))
                {
                    var url = pattern;
                    for (var q = 0; q < parameters.Count; q++)
                        url = ReplaceParameter(url, parameters[q], q == p ? value : Values(parameters[q])[0]);
                    urls.Add(url);
                }
            }
            foreach (var method in methods)
            {
                foreach (var url in urls)
                    targets.Add((method, url, pattern));
            }
        }
        // Signing out last: a revoked session must not end the walk early.
        return [.. targets.OrderBy(t => t.Item3.Contains("logout", StringComparison.Ordinal))];
    }

    private static string ReplaceParameter(string url, RoutePatternParameterPart parameter, string value)
    {
        var start = url.IndexOf("{" + parameter.Name, StringComparison.Ordinal);
        var end = url.IndexOf('}', start);
        return url[..start] + value + url[(end + 1)..];
    }

    [Fact]
    public async Task EveryEndpoint_MalformedInput_Every4xxIsProblemJson()
    {
        var callers = new Dictionary<string, HttpClient>
        {
            ["anonymous"] = _hub.Anonymous(),
            ["admin"] = await _hub.AdminAsync(),
            ["family"] = await _hub.ClientAsync(World.FamilyA),
        };
        var failures = new List<string>();
        var statuses = new SortedDictionary<int, int>();
        int requests = 0, endpoints = 0;
        try
        {
            foreach (var group in Targets().GroupBy(t => (t.Method, t.Pattern)))
            {
                endpoints++;
                foreach (var (caller, client) in callers)
                {
                    foreach (var (method, url, _) in group)
                    {
                        var withBody = method is "POST" or "PUT" or "DELETE" or "PATCH";
                        var bodies = withBody ? Bodies().ToList() : [() => null];
                        foreach (var query in Queries)
                        {
                            foreach (var body in bodies)
                            {
                                using var request = new HttpRequestMessage(new HttpMethod(method), url + query) { Content = body() };
                                var accept = Accepts[requests % Accepts.Length];
                                if (accept.Length > 0)
                                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
                                using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
                                requests++;
                                var status = (int)response.StatusCode;
                                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                                var what = $"{method} {url}{(query.Length > 0 ? "?…" : "")} as {caller}, body {(request.Content is null ? "none" : request.Content.Headers.ContentType?.MediaType)}, Accept '{accept}': {status}";
                                if (status >= 500)
                                    failures.Add($"{what} (server error)");
                                else if (status >= 400 && await NotAProblemAsync(response, status) is { } why)
                                    failures.Add($"{what}: {why}");
                            }
                        }
                    }
                }
            }

            // Beyond the 1 MiB request limit: 413, from the declared length, before the body is read (100-continue, so the
            // client does not send it into a closed connection).
            using var huge = new HttpRequestMessage(HttpMethod.Post, "/api/residents")
            {
                Content = new StringContent("{\"name\":\"" + new string('a', 1_100_000) + "\"}", Encoding.UTF8, "application/json"),
            };
            huge.Headers.ExpectContinue = true;
            huge.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
            // A new sign-in: the walk signed the admin's session out at its end.
            using var admin = await _hub.AdminAsync();
            using var tooLarge = await admin.SendAsync(huge, TestContext.Current.CancellationToken);
            requests++;
            var notAProblem = await NotAProblemAsync(tooLarge, (int)tooLarge.StatusCode);
            if (tooLarge.StatusCode != HttpStatusCode.RequestEntityTooLarge || notAProblem is not null)
                failures.Add($"POST /api/residents with 1.1 MB: {(int)tooLarge.StatusCode} {notAProblem}");
        }
        finally
        {
            foreach (var client in callers.Values)
                client.Dispose();
        }
        output.WriteLine($"{endpoints} endpoints, {requests} requests; statuses: {string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}"))}; {failures.Count} failures");
        Assert.True(statuses.Where(s => s.Key is >= 400 and < 500).Sum(s => s.Value) > requests / 2, "the walk should mostly be refused");
        Assert.True(failures.Count == 0, $"{failures.Count} responses are not problem details:\n" + string.Join("\n", failures.Take(60)));
    }

    private static async Task<string?> NotAProblemAsync(HttpResponseMessage response, int status)
    {
        var type = response.Content.Headers.ContentType?.MediaType;
        var text = await response.Content.ReadAsStringAsync();
        var excerpt = text.Length > 120 ? text[..120] + "…" : text;
        if (type != "application/problem+json")
            return $"Content-Type {type ?? "none"}, body {excerpt}";
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return $"not a JSON object: {excerpt}";
            if (!root.TryGetProperty("status", out var s) || s.ValueKind != JsonValueKind.Number || s.GetInt32() != status)
                return $"no status {status}: {excerpt}";
            if (!root.TryGetProperty("title", out var title) || title.ValueKind != JsonValueKind.String || title.GetString()!.Length == 0)
                return $"no title: {excerpt}";
            return null;
        }
        catch (JsonException)
        {
            return $"not JSON: {excerpt}";
        }
    }

    // ---- the text of people and places (one rule in SmartCommunity.Domain.Places.TextField) ----

    public static TheoryData<string, string> HostileNames => new()
    {
        { new string('A', 1_000_000), "name is at most 100 characters" },
        { "Wang\0Fang", "name must not contain control characters or line breaks (U+0000 at position 5)" },
        { "Resident\u202Egnp.exe", "name must not contain bidirectional override or isolate characters (U+202E at position 9)" },
        { "Resident\u2067A\u2069", "name must not contain bidirectional override or isolate characters (U+2067 at position 9)" },
        { "  \t ", "name is required" },
    };

    [Theory]
    [MemberData(nameof(HostileNames))]
    public async Task CreateResident_HostileName_RefusedAsProblemNamingTheField(string name, string error)
    {
        using var admin = await _hub.AdminAsync();
        using var response = await admin.PostAsJsonAsync("/api/residents", new CreateResidentRequest(_world.HouseholdA, name, 1940, false), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(error, problem.GetProperty("errors").GetProperty("name")[0].GetString());
        Assert.Equal(error, problem.GetProperty("detail").GetString());
        await using var scope = _hub.Services.CreateAsyncScope();
        var names = await scope.ServiceProvider.GetRequiredService<HubDbContext>().Residents.Select(r => r.Name).ToListAsync(TestContext.Current.CancellationToken);
        Assert.Equal(["Resident A", "Resident B"], names.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("zh-CN", "提交的内容有误。", "未找到")]
    [InlineData("en", "One or more validation errors occurred.", "Not Found")]
    public async Task Problem_GenericTitle_InTheReadersLanguage(string language, string validationTitle, string notFoundTitle)
    {
        var ct = TestContext.Current.CancellationToken;
        using var admin = await _hub.AdminAsync();
        admin.DefaultRequestHeaders.AcceptLanguage.ParseAdd(language);

        using var invalid = await admin.PostAsJsonAsync("/api/residents", new CreateResidentRequest(_world.HouseholdA, "  ", 1940, false), ct);
        using var missing = await admin.GetAsync("/api/alerts/999999999", ct);

        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(validationTitle, (await invalid.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(notFoundTitle, (await missing.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("title").GetString());
    }

    [Fact]
    public async Task CreateResident_DecomposedAndPadded_StoredNfcAndTrimmed()
    {
        using var admin = await _hub.AdminAsync();
        var created = await HubApp.PostAsync<ResidentDto>(admin, "/api/residents", new CreateResidentRequest(_world.HouseholdA, "  Jose\u0301 Mu\u0308ller  ", 1940, false));
        Assert.Equal("José Müller", created.Name);
    }

    [Theory]
    [InlineData("/api/users", "displayName")]
    [InlineData("/api/households", "address")]
    [InlineData("/api/grids", "name")]
    [InlineData("/api/communities", "name")]
    public async Task CreatePersonOrPlace_BidiOverride_RefusedNamingTheField(string path, string field)
    {
        using var admin = await _hub.AdminAsync();
        var body = new Dictionary<string, object?>
        {
            ["email"] = "new.person@test.local", ["password"] = HubApp.Password, ["role"] = "Technician", ["displayName"] = "ok",
            ["communityId"] = _world.CommunityId, ["gridId"] = _world.GridA, ["name"] = "ok", ["address"] = "ok",
        };
        body[field] = "Flat 1\u202E01";
        using var response = await admin.PostAsJsonAsync(path, body, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.StartsWith($"{field} must not contain bidirectional", problem.GetProperty("errors").GetProperty(field)[0].GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("comments", "text", "checked\0")]
    [InlineData("ack", "note", "on my way \u202E")]
    [InlineData("resolve", "note", "\u0007")]
    public async Task AlertFreeText_ControlOrBidi_RefusedNamingTheField(string action, string field, string value)
    {
        using var admin = await _hub.AdminAsync();
        var body = new Dictionary<string, object?> { [field] = value, ["outcome"] = "false_alarm" };
        // The text is checked before the alert is looked up: no alert is needed to be refused.
        using var response = await admin.PostAsJsonAsync($"/api/alerts/1/{action}", body, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task CreateAdminCli_BidiInTheEmail_RefusedAndNothingCreated()
    {
        var data = Path.Combine(Path.GetTempPath(), "sc-cli-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var code = await HubCli.CreateAdminAsync(["--email", "ad\u202Emin@example.org", "--password", HubApp.Password, $"--Hub:DataDirectory={data}"]);
            Assert.Equal(1, code);
            var ok = await HubCli.CreateAdminAsync(["--email", "admin@example.org", "--password", HubApp.Password, $"--Hub:DataDirectory={data}"]);
            Assert.Equal(0, ok);
        }
        finally
        {
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
