using System.Text.RegularExpressions;

namespace SmartCommunity.Hub.Security;

/// <summary>
/// Keeps bearer tokens that travel in URLs out of the logs. A browser script can pass its token to SignalR only in
/// the access_token query parameter, and ASP.NET Core's hosting diagnostics log every request's URL with its query
/// string ("Request starting … /hubs/alerts?access_token=…") before any middleware could remove it. Wrapping the
/// logger factory rewrites those messages and their structured values for every provider, whatever level an operator
/// sets. Only framework categories are wrapped; the hub's own log calls never receive URLs and stay untouched.
/// A Web Push endpoint (the endpoint parameter of DELETE /api/notifications/subscriptions) is a capability too:
/// whoever knows it can push to that browser.
/// </summary>
public static partial class LogRedaction
{
    [GeneratedRegex(@"(?<=[?&](access_token|endpoint)=)[^&#\s]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TokenInUrl();

    private static bool MayCarryToken(string text) =>
        text.Contains("access_token=", StringComparison.OrdinalIgnoreCase) || text.Contains("endpoint=", StringComparison.OrdinalIgnoreCase);

    public static string Redact(string text) => MayCarryToken(text) ? TokenInUrl().Replace(text, "[redacted]") : text;

    /// <summary>Replaces the registered logger factory with one that redacts; call after logging is configured.</summary>
    public static void AddTokenRedaction(this IServiceCollection services)
    {
        var original = services.LastOrDefault(d => d.ServiceType == typeof(ILoggerFactory));
        if (original?.ImplementationType is not { } type)
            throw new InvalidOperationException("expected the default LoggerFactory registration");
        services.Remove(original);
        services.AddSingleton<ILoggerFactory>(sp => new RedactingLoggerFactory((ILoggerFactory)ActivatorUtilities.CreateInstance(sp, type)));
    }

    private sealed class RedactingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName)
        {
            var logger = inner.CreateLogger(categoryName);
            return categoryName.StartsWith("Microsoft.AspNetCore.", StringComparison.Ordinal) ? new RedactingLogger(logger) : logger;
        }

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        public void Dispose() => inner.Dispose();
    }

    private sealed class RedactingLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (state is IReadOnlyList<KeyValuePair<string, object?>> values && values.Any(v => v.Value is string s && MayCarryToken(s)))
            {
                var redacted = new RedactedState(values.Select(v => new KeyValuePair<string, object?>(v.Key, v.Value is string s ? Redact(s) : v.Value)).ToList(), Redact(formatter(state, exception)));
                inner.Log(logLevel, eventId, redacted, exception, static (s, _) => s.Message);
                return;
            }
            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }

    private sealed class RedactedState(List<KeyValuePair<string, object?>> values, string message) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public string Message => message;
        public KeyValuePair<string, object?> this[int index] => values[index];
        public int Count => values.Count;
        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => values.GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
        public override string ToString() => message;
    }
}
