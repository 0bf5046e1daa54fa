using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Places;
using Twilio.Security;

namespace SmartCommunity.Hub.Escalation.Cascade;

/// <summary>
/// The ways back from a cascade call, for people without the board: the link in the message (<c>GET /ack/{token}</c>
/// asks, <c>POST</c> acknowledges; opening alone changes nothing, since link previewers open links too) and the SMS
/// reply with the code (<c>POST /api/sms/inbound</c>, Twilio's webhook, accepted only with a valid X-Twilio-Signature).
/// Anonymous by design: the token and the signed provider request are the credentials.
/// </summary>
public static class CascadeApi
{
    public static void MapCascadeApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/ack/{token}", AskAsync).WithTags("Cascade").AllowAnonymous().ExcludeFromDescription();
        app.MapPost("/ack/{token}", AcknowledgeAsync).WithTags("Cascade").AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        app.MapPost("/api/sms/inbound", InboundSmsAsync).WithTags("Cascade").AllowAnonymous().DisableAntiforgery()
            .WithSummary("Twilio's inbound SMS webhook: a reply with the code of a cascade call acknowledges the alert (X-Twilio-Signature required)");
    }

    private static async Task<IResult> AskAsync(string token, HttpContext http, AckTokens tokens, IDbContextFactory<HubDbContext> dbFactory, PlaceNames names, CancellationToken ct)
    {
        var row = await tokens.FindAsync(token, ct);
        Alert? alert = null;
        if (row is not null)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            alert = await db.Alerts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == row.AlertId, ct);
        }
        if (row is null || alert is null)
            return Page(http, Language(http), "cascade.ack.invalid", null, form: null, StatusCodes.Status404NotFound);
        var args = Args(row.Language, alert, names);
        if (alert.AcknowledgedAt is not null || !alert.IsOpen || row.UsedAt is not null)
            return Page(http, row.Language, "cascade.ack.already", args with { By = alert.AcknowledgedBy ?? "" }, form: null, StatusCodes.Status200OK);
        return Page(http, row.Language, "cascade.ack.question", args, form: $"/ack/{token}", StatusCodes.Status200OK);
    }

    private static async Task<IResult> AcknowledgeAsync(string token, HttpContext http, AckTokens tokens, AlertAftermath aftermath, PlaceNames names, CancellationToken ct)
    {
        var result = await tokens.AcknowledgeByLinkAsync(token, ct);
        if (result is { Outcome: AckOutcome.Acknowledged, Alert: { } acknowledged })
            await aftermath.AcknowledgedAsync(acknowledged, ct);
        return result switch
        {
            { Outcome: AckOutcome.Acknowledged, Token: { } row, Alert: { } alert } =>
                Page(http, row.Language, "cascade.ack.done", Args(row.Language, alert, names), form: null, StatusCodes.Status200OK),
            { Outcome: AckOutcome.AlreadyAcknowledged, Token: { } row, Alert: { } alert } =>
                Page(http, row.Language, "cascade.ack.already", Args(row.Language, alert, names) with { By = alert.AcknowledgedBy ?? "" }, form: null, StatusCodes.Status410Gone),
            _ => Page(http, Language(http), "cascade.ack.invalid", null, form: null, StatusCodes.Status404NotFound),
        };
    }

    private static async Task<IResult> InboundSmsAsync(HttpContext http, AckTokens tokens, AlertAftermath aftermath, PlaceNames names, IOptions<CascadeOptions> options,
        ILoggerFactory loggers, CancellationToken ct)
    {
        var logger = loggers.CreateLogger(typeof(CascadeApi));
        if (options.Value.TwilioAuthToken is not { Length: > 0 } authToken)
        {
            logger.LogWarning("Inbound SMS refused: Hub:Cascade:TwilioAuthToken is not set");
            return Problem(StatusCodes.Status403Forbidden, "inbound SMS are not configured (Hub:Cascade:TwilioAuthToken)");
        }
        if (!http.Request.HasFormContentType)
            return Problem(StatusCodes.Status400BadRequest, "an inbound SMS is a form post (application/x-www-form-urlencoded)");
        var form = await http.Request.ReadFormAsync(ct);
        var fields = form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        // Twilio signs the URL it called, which behind a proxy is the public one.
        var url = options.Value.PublicBaseUrl is { Length: > 0 } baseUrl
            ? baseUrl.TrimEnd('/') + http.Request.Path + http.Request.QueryString
            : $"{http.Request.Scheme}://{http.Request.Host}{http.Request.Path}{http.Request.QueryString}";
        if (!http.Request.Headers.TryGetValue("X-Twilio-Signature", out var signature)
            || !new RequestValidator(authToken).Validate(url, fields, signature.ToString()))
        {
            logger.LogWarning("Inbound SMS refused: bad or missing X-Twilio-Signature");
            return Problem(StatusCodes.Status403Forbidden, "the X-Twilio-Signature does not match this request");
        }
        var from = fields.GetValueOrDefault("From") ?? "";
        var body = fields.GetValueOrDefault("Body") ?? "";
        var result = await tokens.AcknowledgeByReplyAsync(from, body, ct);
        if (result is { Outcome: AckOutcome.Acknowledged, Alert: { } acknowledged })
            await aftermath.AcknowledgedAsync(acknowledged, ct);
        logger.LogInformation("Inbound SMS reply: {Outcome} (alert {AlertId})", result.Outcome, result.Token?.AlertId);
        var language = result.Token?.Language ?? CatalogTexts.English;
        var text = result switch
        {
            { Outcome: AckOutcome.Acknowledged, Alert: { } alert } => Text(language, "cascade.reply.done", Args(language, alert, names)),
            { Outcome: AckOutcome.AlreadyAcknowledged, Alert: { } alert } => Text(language, "cascade.reply.already", Args(language, alert, names) with { By = alert.AcknowledgedBy ?? "" }),
            _ => Text(language, "cascade.reply.unknown", null),
        };
        return Results.Content($"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>{WebUtility.HtmlEncode(text)}</Message></Response>",
            "text/xml", Encoding.UTF8);
    }

    private sealed record TextArgs(string Kind = "", string Who = "", string By = "");

    private static TextArgs Args(string language, Alert alert, PlaceNames names) => new(
        CatalogTexts.Format(language, alert.Kind.Spec().LabelKey),
        names.Subject(alert));

    private static string Text(string language, string key, TextArgs? args)
    {
        var a = args ?? new TextArgs();
        object?[] values = key switch
        {
            "cascade.ack.already" => [a.By],
            "cascade.reply.already" => [a.Kind, a.Who, a.By],
            _ => [a.Kind, a.Who],
        };
        return CascadeTexts.Format(language, key, values);
    }

    private static string Language(HttpContext http) =>
        http.Request.Headers.AcceptLanguage.ToString().StartsWith("zh", StringComparison.OrdinalIgnoreCase) ? CatalogTexts.Chinese : CatalogTexts.English;

    private static IResult Page(HttpContext http, string language, string key, TextArgs? args, string? form, int status)
    {
        _ = http;
        var lang = TextCatalogues.Normalize(language);
        var title = WebUtility.HtmlEncode(Text(lang, "cascade.ack.title", args));
        var message = WebUtility.HtmlEncode(Text(lang, key, args));
        var button = form is null ? "" :
            $"<form method=\"post\" action=\"{WebUtility.HtmlEncode(form)}\"><button type=\"submit\">{WebUtility.HtmlEncode(Text(lang, "cascade.ack.button", args))}</button></form>";
        var html = $"<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
                   $"<title>{title}</title></head><body><main><h1>{title}</h1><p id=\"message\">{message}</p>{button}</main></body></html>";
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    private static IResult Problem(int status, string detail) => Results.Problem(detail: detail, statusCode: status);
}
