using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Onboarding;
using SmartCommunity.Hub.Audit;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Localization;
using SmartCommunity.Hub.People;

namespace SmartCommunity.Hub.Onboarding;

/// <summary>One refused cell: line (1 = header), column, reason code, and the reason in the reader's language and in both.</summary>
public sealed record ImportProblemDto(int Line, string Column, string Code, string Message, string MessageEn, string MessageZhCn);

/// <summary>Files shown once: device secrets with provisioning documents (CSV) and their QR codes (printable HTML), or people's first passwords (CSV).</summary>
public sealed record ImportCredentialsDto(string CsvFileName, string Csv, string? HtmlFileName, string? Html);

/// <summary>What a dry run found or an apply did. <c>Applied</c> is false for a dry run and for a file with problems.</summary>
public sealed record ImportReportDto(string Kind, bool DryRun, bool Applied, int Rows, int Created, int Updated, int Unchanged,
    IReadOnlyList<ImportProblemDto> Problems, ImportCredentialsDto? Credentials);

/// <summary>
/// Bulk onboarding (docs/onboarding.md): a template per kind, and an upload that is checked in full (dry run) or applied
/// all-or-nothing. Admins only; the audit log gets who imported what and the counts, never a secret.
/// </summary>
public static class OnboardingApi
{
    public static RouteGroupBuilder MapOnboardingApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/onboarding").WithTags("Onboarding").RequireAuthorization(p => p.RequireRole(Roles.Admin));
        group.MapGet("/templates/{file}", Template).WithSummary("The empty template of a kind: households|residents|users|devices, .csv or .xlsx");
        group.MapPost("/{kind}", ImportAsync).DisableAntiforgery()
            .WithSummary("Checks (dryRun=true, the default) or applies a CSV or XLSX file (multipart field \"file\"); applies nothing while any row has a problem");
        return group;
    }

    private static Results<FileContentHttpResult, NotFound> Template(string file)
    {
        var dot = file.LastIndexOf('.');
        if (dot < 0 || !OnboardingRules.TryParse(file[..dot], out var kind))
            return TypedResults.NotFound();
        return file[(dot + 1)..] switch
        {
            "csv" => TypedResults.File(ImportFiles.CsvTemplate(kind), ImportFiles.CsvType, $"{kind.Name()}.csv"),
            "xlsx" => TypedResults.File(ImportFiles.XlsxTemplate(kind), ImportFiles.XlsxType, $"{kind.Name()}.xlsx"),
            _ => TypedResults.NotFound(),
        };
    }

    private static async Task<Results<Ok<ImportReportDto>, UnprocessableEntity<ImportReportDto>, NotFound, ProblemHttpResult>> ImportAsync(
        string kind, bool? dryRun, HttpContext http, OnboardingService onboarding, AccessScopeResolver scopes, DeviceProvisioning provisioning,
        IOptions<OnboardingOptions> options, TimeProvider time, ILogger<OnboardingService> logger, CancellationToken ct)
    {
        if (!OnboardingRules.TryParse(kind, out var what))
            return TypedResults.NotFound();
        var limits = options.Value;
        var dry = dryRun ?? true;
        var (file, refused) = await ReadUploadAsync(http, limits.MaxFileBytes, ct);
        if (refused is not null)
            return refused;
        var language = ReaderLanguage.Of(http, await scopes.ResolveAsync(http.User, ct));
        ImportTable table;
        try
        {
            table = ImportFiles.Read(file!, limits.MaxRows);
        }
        catch (TooManyRowsException ex)
        {
            return Refused(http, what, StatusCodes.Status422UnprocessableEntity, "Too many rows", LocalizedText.Of("onboarding.too_many_rows", ex.Limit).Render(language));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A corrupt workbook or a file that is not UTF-8: the reason in words, not a 500.
            var format = ImportFiles.IsXlsx(file) ? "XLSX" : "CSV (UTF-8)";
            logger.LogWarning("Import of {Kind}: the file could not be read as {Format}: {Error}", what.Name(), format, ex.Message);
            return Refused(http, what, StatusCodes.Status422UnprocessableEntity, "Unreadable file", LocalizedText.Of("onboarding.unreadable", format, ex.GetType().Name).Render(language));
        }

        var outcome = await onboarding.RunAsync(what, table, apply: !dry, ct);
        var applied = !dry && outcome.Problems.Count == 0;
        ImportCredentialsDto? credentials = null;
        if (applied && outcome.NewDevices.Count > 0)
            credentials = DeviceCredentialsFiles(outcome.NewDevices, provisioning, http, time.GetUtcNow());
        else if (applied && outcome.NewPeople.Count > 0)
            credentials = new("people-passwords.csv", Encoding.UTF8.GetString(ImportFiles.Csv(["email", "role", "password"],
                outcome.NewPeople.Select(p => (IReadOnlyList<string?>)[p.Email, p.Role, p.Password]))), null, null);
        var report = new ImportReportDto(what.Name(), dry, applied, outcome.Rows, outcome.Created, outcome.Updated, outcome.Unchanged,
            outcome.Problems.Select(p => new ImportProblemDto(p.Line, p.Column, p.Code, p.Message.Render(language),
                p.Message.Render(TextCatalogues.English), p.Message.Render(TextCatalogues.Chinese))).ToList(), credentials);
        var counts = $"{outcome.Rows} rows: {outcome.Created} created, {outcome.Updated} updated, {outcome.Unchanged} unchanged, {outcome.Problems.Count} problems";
        http.Features.Set(new AuditNote($"import {what.Name()} ({(dry ? "dry run" : applied ? "applied" : "refused")}): {counts}"));
        logger.LogInformation("Import of {Kind} by {User} ({Mode}): {Counts}", what.Name(), http.User.Identity?.Name, dry ? "dry run" : applied ? "applied" : "refused", counts);
        if (!dry && !applied)
            return TypedResults.UnprocessableEntity(report);
        return TypedResults.Ok(report);
    }

    /// <summary>The multipart file, or the refusal: no file, or one over the limit (413, checked before and while reading).</summary>
    private static async Task<(byte[]? File, ProblemHttpResult? Refused)> ReadUploadAsync(HttpContext http, long maxBytes, CancellationToken ct)
    {
        // The hub's request limit is 1 MiB; an import file may be larger, up to Hub:Onboarding:MaxFileBytes (plus the form's envelope).
        var envelope = maxBytes + 64 * 1024;
        if (http.Request.ContentLength > envelope)
            return (null, TooLarge(maxBytes));
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = envelope;
        if (!http.Request.HasFormContentType)
            return (null, TypedResults.Problem("Send the file as multipart/form-data in the field \"file\".", statusCode: StatusCodes.Status400BadRequest, title: "No file"));
        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = envelope, ValueLengthLimit = 1024 }, ct);
        }
        catch (Exception ex) when (ex is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } or InvalidDataException)
        {
            return (null, TooLarge(maxBytes));
        }
        var upload = form.Files.GetFile("file");
        if (upload is null || upload.Length == 0)
            return (null, TypedResults.Problem("Send the file as multipart/form-data in the field \"file\".", statusCode: StatusCodes.Status400BadRequest, title: "No file"));
        if (upload.Length > maxBytes)
            return (null, TooLarge(maxBytes));
        using var buffer = new MemoryStream((int)upload.Length);
        await upload.CopyToAsync(buffer, ct);
        return (buffer.ToArray(), null);
    }

    private static ProblemHttpResult TooLarge(long maxBytes) =>
        TypedResults.Problem($"An import file may have at most {maxBytes / 1024 / 1024.0:0.#} MiB ({maxBytes} bytes); split it into several files.",
            statusCode: StatusCodes.Status413PayloadTooLarge, title: "File too large");

    private static ProblemHttpResult Refused(HttpContext http, ImportKind kind, int status, string title, string detail)
    {
        http.Features.Set(new AuditNote($"import {kind.Name()} refused: {title}"));
        return TypedResults.Problem(detail, statusCode: status, title: title);
    }

    /// <summary>
    /// The new devices' secrets, once: a CSV (id, kind, secret, provisioning document) for tools and records, and a page of
    /// provisioning QR codes to print and stick on each device (the technician page's code: the same document, error
    /// correction M). The codes are small PNGs scaled up sharply by the page, so 12,000 of them still fit one file.
    /// </summary>
    private static ImportCredentialsDto DeviceCredentialsFiles(IReadOnlyList<NewDevice> devices, DeviceProvisioning provisioning, HttpContext http, DateTimeOffset now)
    {
        var documents = devices.Select(d => (d, Json: provisioning.For(d.Id, d.Kind, d.Secret, http).Document.ToJson())).ToList();
        var csv = Encoding.UTF8.GetString(ImportFiles.Csv(["device_id", "kind", "secret", "provisioning"],
            documents.Select(x => (IReadOnlyList<string?>)[x.d.Id, x.d.Kind.ToWire(), x.d.Secret, x.Json])));
        var images = new string[documents.Count];
        Parallel.For(0, documents.Count, i =>
        {
            using var code = DeviceProvisioning.Encode(documents[i].Json);
            images[i] = Convert.ToBase64String(DeviceProvisioning.Png(code, pixelsPerModule: 2));
        });
        var html = new StringBuilder(documents.Count * 1200);
        html.Append("<!doctype html><html><head><meta charset=\"utf-8\"><title>Provisioning QR codes</title><style>")
            .Append("body{font-family:sans-serif;margin:8mm}main{display:grid;grid-template-columns:repeat(auto-fill,46mm);gap:4mm}")
            .Append("figure{margin:0;break-inside:avoid;border:1px dashed #999;padding:2mm;text-align:center}")
            .Append("img{width:40mm;height:40mm;image-rendering:pixelated}figcaption{font:600 10pt monospace}")
            .Append("p{font-size:9pt}@media print{p{display:none}}</style></head><body>")
            .Append("<p>Each code holds the device's secret: print, label the devices, then destroy this file. ")
            .Append("每个二维码都含有设备密钥：打印并贴好标签后请销毁此文件。</p><main>");
        for (var i = 0; i < documents.Count; i++)
        {
            var (d, _) = documents[i];
            html.Append("<figure><img alt=\"").Append(WebUtility.HtmlEncode(d.Id)).Append("\" src=\"data:image/png;base64,").Append(images[i])
                .Append("\"><figcaption>").Append(WebUtility.HtmlEncode(d.Id)).Append("<br>").Append(WebUtility.HtmlEncode(d.Kind.ToWire())).Append("</figcaption></figure>");
        }
        html.Append("</main></body></html>");
        var stamp = now.ToString("yyyyMMdd-HHmm", CultureInfo.InvariantCulture);
        return new($"device-credentials-{stamp}.csv", csv, $"device-qr-codes-{stamp}.html", html.ToString());
    }
}
