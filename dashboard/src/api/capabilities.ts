// What this hub offers, read once from its OpenAPI document (public, like the API itself). The
// alert workflow (dispatch, on-site, comments, timelines, feedback, visits, push) lands on the hub
// step by step; the app shows a control only when the endpoint behind it exists, so an older hub
// gets a smaller UI rather than buttons that fail.

interface OpenApiDoc {
  paths?: Record<string, Record<string, unknown>>;
}

export class Capabilities {
  private constructor(private readonly routes: readonly { method: string; path: string }[]) {}

  static readonly none = new Capabilities([]);

  static async load(): Promise<Capabilities> {
    try {
      const response = await fetch("/openapi/v1.json", { credentials: "same-origin", cache: "no-store" });
      if (!response.ok) return Capabilities.none;
      const doc = (await response.json()) as OpenApiDoc;
      const routes: { method: string; path: string }[] = [];
      for (const [path, ops] of Object.entries(doc.paths ?? {})) {
        for (const method of Object.keys(ops)) routes.push({ method: method.toUpperCase(), path });
      }
      return new Capabilities(routes);
    } catch {
      return Capabilities.none;
    }
  }

  /** The first route template (e.g. `/api/alerts/{id}/dispatch`) whose path matches, or null. */
  find(method: string, pattern: RegExp): string | null {
    return this.routes.find((r) => r.method === method && pattern.test(r.path))?.path ?? null;
  }
}

/** Fills `{name}` segments in order: fill("/api/alerts/{id}/x", 5) → "/api/alerts/5/x". */
export function fill(template: string, ...values: (string | number)[]): string {
  let i = 0;
  return template.replace(/\{[^}]+\}/g, () => encodeURIComponent(String(values[i++] ?? "")));
}
