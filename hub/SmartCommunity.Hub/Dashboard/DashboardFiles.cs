using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using SmartCommunity.Hub.Hosting;

namespace SmartCommunity.Hub.Dashboard;

/// <summary>
/// Serves the built browser app (dashboard/dist). It is a client of the public API like any other;
/// the hub only hands out its files.
/// </summary>
public static class DashboardFiles
{
    public static void UseDashboard(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<HubOptions>>().Value;
        var root = Locate(options.DashboardPath, app.Environment.ContentRootPath);
        if (root is null)
        {
            app.Logger.LogWarning("Dashboard not built (no dashboard/dist found); run `npm ci && npm run build` in dashboard/ or use ./run");
            app.MapGet("/", () => Results.Content(
                "<!doctype html><title>SmartCommunity</title><p>The dashboard is not built. Run <code>./run</code> (or <code>npm ci &amp;&amp; npm run build</code> in <code>dashboard/</code>).</p>",
                "text/html")).AllowAnonymous();
            return;
        }
        var files = new PhysicalFileProvider(root);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".webmanifest"] = "application/manifest+json";
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            ContentTypeProvider = types,
            OnPrepareResponse = ctx =>
            {
                // index.html, the manifest and the service worker (/sw.js, scope /) must never be cached,
                // or a browser keeps an old app after an upgrade.
                var name = ctx.File.Name;
                if (name.EndsWith(".html", StringComparison.Ordinal) || name is "sw.js" or "manifest.webmanifest")
                    ctx.Context.Response.Headers.CacheControl = "no-cache";
            },
        });
        app.Logger.LogInformation("Serving the dashboard from {DashboardRoot}", root);
    }

    internal static string? Locate(string? configured, string contentRoot)
    {
        if (!string.IsNullOrWhiteSpace(configured))
            return File.Exists(Path.Combine(configured, "index.html")) ? Path.GetFullPath(configured) : null;
        for (var dir = new DirectoryInfo(contentRoot); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "dashboard", "dist");
            if (File.Exists(Path.Combine(candidate, "index.html")))
                return candidate;
        }
        return null;
    }
}
