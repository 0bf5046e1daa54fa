// Thin fetch wrapper: JSON in and out, same-origin cookies, and one error type that carries the
// HTTP status so callers can tell "not allowed" (403) from "changed meanwhile" (409).

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** ProblemDetails `title`/`detail` from the hub, when it sent one. */
    readonly detail: string | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** True for a network failure (hub down, Wi-Fi gone) rather than an HTTP answer. */
  get isNetwork(): boolean {
    return this.status === 0;
  }
}

type UnauthorizedHandler = () => void;
let onUnauthorized: UnauthorizedHandler = () => {};

/** Called once at start-up: any 401 outside the sign-in call means the session has ended. */
export function setUnauthorizedHandler(handler: UnauthorizedHandler): void {
  onUnauthorized = handler;
}

export interface RequestOptions {
  body?: unknown;
  /** Do not route a 401 to the session-expired handler (the sign-in and "who am I" calls). */
  allow401?: boolean;
  signal?: AbortSignal;
}

export async function request<T>(method: string, url: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = {
    Accept: "application/json",
    // ASP.NET Core cookie auth answers 401 instead of a 302 to a login page for such requests.
    "X-Requested-With": "XMLHttpRequest",
  };
  const init: RequestInit = { method, headers, credentials: "same-origin", cache: "no-store" };
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.body);
  }
  if (options.signal) init.signal = options.signal;

  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, `Network error calling ${method} ${url}`);
  }

  if (!response.ok) {
    if (response.status === 401 && !options.allow401) onUnauthorized();
    throw new ApiError(response.status, `${method} ${url} → ${response.status}`, await readProblem(response));
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

async function readProblem(response: Response): Promise<string | null> {
  try {
    const type = response.headers.get("Content-Type") ?? "";
    if (!type.includes("json")) return null;
    const problem = (await response.json()) as { title?: unknown; detail?: unknown };
    const text = typeof problem.detail === "string" ? problem.detail : problem.title;
    return typeof text === "string" && text.length > 0 ? text : null;
  } catch {
    return null;
  }
}
