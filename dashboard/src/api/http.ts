// Thin fetch wrapper: JSON in and out, same-origin cookies, and one error type that carries the
// HTTP status so callers can tell "not allowed" (403) from "changed meanwhile" (409).

import { language } from "../i18n";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** ProblemDetails `title`/`detail` from the hub, when it sent one. */
    readonly detail: string | null = null,
    /** A validation problem's messages by field (`errors`), in the board's language. */
    readonly errors: Readonly<Record<string, readonly string[]>> | null = null,
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

// Anti-forgery: a cookie-authenticated write must carry the token from GET /api/auth/csrf in X-CSRF-TOKEN.
// The token belongs to the signed-in person, so it is fetched lazily after sign-in and forgotten at sign-in/out.
const CSRF_HEADER = "X-CSRF-TOKEN";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
let csrfToken: Promise<string | null> | null = null;

/** Forget the anti-forgery token (the person changed: sign-in, sign-out, session expired). */
export function resetCsrfToken(): void {
  csrfToken = null;
}

async function fetchCsrfToken(): Promise<string | null> {
  try {
    const response = await fetch("/api/auth/csrf", { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } });
    if (!response.ok) return null;
    const body = (await response.json()) as { token?: unknown };
    return typeof body.token === "string" ? body.token : null;
  } catch {
    return null;
  }
}

function csrf(): Promise<string | null> {
  csrfToken ??= fetchCsrfToken().then((token) => {
    // Not signed in (or the hub unreachable): try again on the next write rather than caching "none".
    if (token === null) csrfToken = null;
    return token;
  });
  return csrfToken;
}

export interface RequestOptions {
  body?: unknown;
  /** Do not route a 401 to the session-expired handler (the sign-in and "who am I" calls). */
  allow401?: boolean;
  signal?: AbortSignal;
  /** The browser's HTTP cache; default no-store (live data). */
  cache?: RequestCache;
}

export async function request<T>(method: string, url: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(method, url, options, false);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A binary answer (an image to save), with the same session, anti-forgery and error handling as request(). */
export async function requestBlob(method: string, url: string, options: RequestOptions = {}): Promise<Blob> {
  const response = await send(method, url, options, false);
  return response.blob();
}

async function send(method: string, url: string, options: RequestOptions, retried: boolean): Promise<Response> {
  const headers: Record<string, string> = {
    Accept: "application/json",
    // ASP.NET Core cookie auth answers 401 instead of a 302 to a login page for such requests.
    "X-Requested-With": "XMLHttpRequest",
    // Texts the hub renders (alert messages, titles) come in the board's language when the profile has none.
    "Accept-Language": language(),
  };
  const init: RequestInit = { method, headers, credentials: "same-origin", cache: options.cache ?? "no-store" };
  if (options.body instanceof FormData) {
    // A file upload: the browser writes the multipart boundary into Content-Type itself.
    init.body = options.body;
  } else if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.body);
  }
  if (options.signal) init.signal = options.signal;
  const write = !SAFE_METHODS.has(method.toUpperCase()) && !url.startsWith("/api/auth/login");
  if (write) {
    const token = await csrf();
    if (token) headers[CSRF_HEADER] = token;
  }

  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, `Network error calling ${method} ${url}`);
  }

  if (!response.ok) {
    // A token from before a sign-in as someone else, or from before the hub's keys changed: fetch a new one, retry once.
    if (write && !retried && response.status === 400 && response.headers.get("X-CSRF-Rejected") === "1") {
      resetCsrfToken();
      return send(method, url, options, true);
    }
    if (response.status === 401) resetCsrfToken();
    if (response.status === 401 && !options.allow401) onUnauthorized();
    const problem = await readProblem(response);
    throw new ApiError(response.status, `${method} ${url} → ${response.status}`, problem.text, problem.errors);
  }
  return response;
}

async function readProblem(response: Response): Promise<{ text: string | null; errors: Record<string, string[]> | null }> {
  try {
    const type = response.headers.get("Content-Type") ?? "";
    if (!type.includes("json")) return { text: null, errors: null };
    const problem = (await response.json()) as { title?: unknown; detail?: unknown; errors?: unknown };
    const text = typeof problem.detail === "string" ? problem.detail : problem.title;
    const errors = problem.errors && typeof problem.errors === "object" ? (problem.errors as Record<string, string[]>) : null;
    return { text: typeof text === "string" && text.length > 0 ? text : null, errors };
  } catch {
    return { text: null, errors: null };
  }
}
