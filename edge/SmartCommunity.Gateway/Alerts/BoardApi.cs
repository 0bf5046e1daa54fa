using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.Extensions.Options;
using SmartCommunity.Domain.Catalog;

namespace SmartCommunity.Gateway.Alerts;

/// <summary>
/// The local alert board for the community's duty room: the alerts the gateway raised while the hub was unreachable,
/// newest first, each with an acknowledge button (the name typed in is carried to the hub's alert). English and
/// Chinese (<c>?lang=zh-CN</c> or the browser's language). HTTP Basic auth, user <c>duty</c>, password
/// <c>Gateway:BoardPassword</c>; without a password the board is off.
/// </summary>
public static class BoardApi
{
    public const string User = "duty";

    public static void MapBoardApi(this WebApplication app)
    {
        app.MapGet("/board", (HttpContext http, LocalAlerts alerts, GatewayStatus status, IOptions<GatewayOptions> options) =>
        {
            if (Refuse(http, options.Value) is { } refused)
                return refused;
            var language = Language(http);
            return Results.Content(Render(alerts.All, status.UplinkConnected, language), "text/html; charset=utf-8");
        });
        app.MapPost("/board/ack/{localId}", async (string localId, HttpContext http, LocalAlerts alerts, IOptions<GatewayOptions> options) =>
        {
            if (Refuse(http, options.Value) is { } refused)
                return refused;
            // Basic credentials ride along on any request the browser makes: a form posted from another site is refused.
            if (http.Request.Headers["Sec-Fetch-Site"] is [var site] && site is "cross-site")
                return Results.Problem(statusCode: 403, title: "cross-site request refused");
            var form = await http.Request.ReadFormAsync();
            var name = form["name"].ToString().Trim();
            if (name.Length is 0 or > 64)
                return Results.Problem(statusCode: 400, title: Texts(Language(http))["name_required"]);
            alerts.Acknowledge(localId, name);
            return Results.Redirect("/board" + (http.Request.Query.TryGetValue("lang", out var lang) ? "?lang=" + Uri.EscapeDataString(lang.ToString()) : ""));
        }).DisableAntiforgery();
    }

    private static IResult? Refuse(HttpContext http, GatewayOptions o)
    {
        if (string.IsNullOrEmpty(o.BoardPassword))
            return Results.NotFound();
        if (AuthenticationHeaderValue.TryParse(http.Request.Headers.Authorization, out var auth) && auth.Scheme == "Basic" && auth.Parameter is { } p)
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(p));
            }
            catch (FormatException)
            {
                decoded = "";
            }
            var expected = Encoding.UTF8.GetBytes($"{User}:{o.BoardPassword}");
            if (CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(decoded), expected))
                return null;
        }
        http.Response.Headers.WWWAuthenticate = "Basic realm=\"SmartCommunity gateway\", charset=\"UTF-8\"";
        return Results.Unauthorized();
    }

    private static string Language(HttpContext http)
    {
        if (http.Request.Query.TryGetValue("lang", out var lang))
            return CatalogTexts.For(lang.ToString()) == CatalogTexts.ZhCn ? CatalogTexts.Chinese : CatalogTexts.English;
        var accept = http.Request.Headers.AcceptLanguage.ToString();
        return accept.StartsWith("zh", StringComparison.OrdinalIgnoreCase) ? CatalogTexts.Chinese : CatalogTexts.English;
    }

    public static IReadOnlyDictionary<string, string> Texts(string language) => language == CatalogTexts.Chinese ? ZhCn : En;

    public static readonly IReadOnlyDictionary<string, string> En = new Dictionary<string, string>
    {
        ["title"] = "Local alerts",
        ["uplink_down"] = "The hub is unreachable: alerts are raised here.",
        ["uplink_up"] = "Connected to the hub.",
        ["device"] = "Device",
        ["alert"] = "Alert",
        ["raised"] = "Raised",
        ["acknowledged"] = "Acknowledged",
        ["acknowledge"] = "Acknowledge",
        ["your_name"] = "Your name",
        ["none"] = "No local alerts.",
        ["name_required"] = "Type your name (at most 64 characters) to acknowledge.",
        ["language"] = "中文",
    };

    public static readonly IReadOnlyDictionary<string, string> ZhCn = new Dictionary<string, string>
    {
        ["title"] = "本地警报",
        ["uplink_down"] = "无法连接中心平台：警报在此显示。",
        ["uplink_up"] = "已连接中心平台。",
        ["device"] = "设备",
        ["alert"] = "警报",
        ["raised"] = "发生时间",
        ["acknowledged"] = "已确认",
        ["acknowledge"] = "确认",
        ["your_name"] = "您的姓名",
        ["none"] = "没有本地警报。",
        ["name_required"] = "请输入您的姓名（不超过64个字符）后确认。",
        ["language"] = "English",
    };

    // Chinese names and texts as characters, not numeric references (the default encoder escapes everything beyond ASCII).
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(System.Text.Unicode.UnicodeRanges.All);

    private static string Render(IReadOnlyList<LocalAlert> alerts, bool uplink, string language)
    {
        var t = Texts(language);
        var catalog = CatalogTexts.For(language);
        var h = Html;
        var other = language == CatalogTexts.Chinese ? "en" : "zh-CN";
        var lang = Uri.EscapeDataString(language);
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $$"""
            <!doctype html><html lang="{{language}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
            <meta http-equiv="refresh" content="5"><title>{{h.Encode(t["title"])}}</title>
            <style>body{font-family:sans-serif;margin:1rem}table{border-collapse:collapse}td,th{border:1px solid #999;padding:.4rem}
            .open{background:#fdd}</style></head><body>
            <h1>{{h.Encode(t["title"])}}</h1><p><a href="/board?lang={{other}}">{{h.Encode(t["language"])}}</a></p>
            <p id="uplink">{{h.Encode(uplink ? t["uplink_up"] : t["uplink_down"])}}</p>
            """);
        if (alerts.Count == 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p id=\"none\">{h.Encode(t["none"])}</p>");
        }
        else
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<table><tr><th>{h.Encode(t["device"])}</th><th>{h.Encode(t["alert"])}</th><th>{h.Encode(t["raised"])}</th><th>{h.Encode(t["acknowledged"])}</th></tr>");
            foreach (var a in alerts)
            {
                var kind = catalog.GetValueOrDefault("alert_kind." + a.Kind, a.Kind);
                var ack = a.AckAt is { } at
                    ? h.Encode($"{at.ToLocalTime():yyyy-MM-dd HH:mm:ss} · {a.AckBy}")
                    : $"<form method=\"post\" action=\"/board/ack/{h.Encode(a.LocalId)}?lang={lang}\"><input name=\"name\" required maxlength=\"64\" placeholder=\"{h.Encode(t["your_name"])}\"> <button>{h.Encode(t["acknowledge"])}</button></form>";
                html.Append(CultureInfo.InvariantCulture,
                    $"<tr class=\"{(a.AckAt is null ? "open" : "acked")}\" data-id=\"{h.Encode(a.LocalId)}\"><td>{h.Encode(a.DeviceId)}</td><td>{h.Encode(kind)}</td><td>{a.RaisedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss}</td><td>{ack}</td></tr>");
            }
            html.Append("</table>");
        }
        html.Append("</body></html>");
        return html.ToString();
    }
}
