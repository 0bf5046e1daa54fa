using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Places;
using SmartCommunity.Hub.Localization;

namespace SmartCommunity.Hub.Hosting;

/// <summary>
/// Every 4xx the hub answers is an RFC 9457 problem details body (application/problem+json) with title, status and
/// detail, and for refused input <c>errors</c> by field. Handlers refuse input with <see cref="Invalid(string, string)"/>
/// and a state that does not allow the change with <see cref="Conflict"/>; a bodiless 4xx (a handler's 404, 401/403
/// from authorization, 405 and 415 from routing and binding) gets its body from the status-code page. Whatever the
/// client accepts: the framework's writer answers only clients that accept JSON and would send the rest plain text.
/// </summary>
public static class ApiProblem
{
    /// <summary>400 naming one field: <c>errors: {field: [message]}</c>, and the message as the detail.</summary>
    public static ValidationProblem Invalid(string field, string message) =>
        Invalid(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>400 naming every refused field; the detail joins the messages, for clients that show one line.</summary>
    public static ValidationProblem Invalid(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, detail: string.Join("; ", errors.SelectMany(e => e.Value)));

    /// <summary>409: the request is valid, but the current state does not allow it.</summary>
    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict);

    /// <summary>Checks a person's or place's text (<see cref="TextField"/>); records the refusal under the field's name and returns what to store.</summary>
    public static string? CheckText(this IDictionary<string, string[]> errors, TextField field, string? value)
    {
        var check = field.Check(value);
        if (check.Error is { } error)
            errors[field.Name] = [error];
        return check.Value;
    }

    /// <summary>Problem details for exceptions and status-code pages, with the fallback writer for clients that do not ask for JSON.</summary>
    public static IServiceCollection AddApiProblems(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = LocalizeTitle);
        // After the framework's writer, which keeps every client that accepts JSON; this one takes the rest.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProblemDetailsWriter, AnyClientProblemWriter>());
        return services;
    }

    /// <summary>
    /// A generic title (the framework's validation title or the status's reason phrase) in the reader's language (<c>?lang=</c>,
    /// Accept-Language — the dashboard sends its own); a title a handler chose itself is left as it is.
    /// </summary>
    private static void LocalizeTitle(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        var english = TextCatalogues.For(TextCatalogues.English);
        string? key = null;
        if (problem is HttpValidationProblemDetails && (problem.Title is null || problem.Title == english[ProblemTexts.Validation]))
            key = ProblemTexts.Validation;
        else if (english.TryGetValue(ProblemTexts.Status(status), out var title) && (problem.Title is null || problem.Title == title || problem.Title == ReasonPhrases.GetReasonPhrase(status)))
            key = ProblemTexts.Status(status);
        if (key is not null)
            problem.Title = TextCatalogues.Format(ReaderLanguage.Of(context.HttpContext, profileLanguage: null), key, []);
    }

    private sealed class AnyClientProblemWriter(IOptions<ProblemDetailsOptions> options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json) : IProblemDetailsWriter
    {
        public bool CanWrite(ProblemDetailsContext context) => true;

        public ValueTask WriteAsync(ProblemDetailsContext context)
        {
            var http = context.HttpContext;
            var problem = context.ProblemDetails;
            problem.Status ??= http.Response.StatusCode;
            problem.Title ??= ReasonPhrases.GetReasonPhrase(problem.Status.Value);
            if (!problem.Extensions.ContainsKey("traceId"))
                problem.Extensions["traceId"] = System.Diagnostics.Activity.Current?.Id ?? http.TraceIdentifier;
            options.Value.CustomizeProblemDetails?.Invoke(context);
            // The runtime type, so a validation problem keeps its errors.
            return new ValueTask(http.Response.WriteAsJsonAsync(problem, problem.GetType(), json.Value.SerializerOptions, "application/problem+json"));
        }
    }
}
