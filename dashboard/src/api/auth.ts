import { request, resetCsrfToken } from "./http";
import type { Me } from "./types";

/** Cookie sign-in (ASP.NET Core Identity endpoints). Throws ApiError(401) on a wrong password. */
export async function login(email: string, password: string): Promise<void> {
  resetCsrfToken();
  await request<void>("POST", "/api/auth/login?useCookies=true", {
    body: { email, password },
    allow401: true,
  });
  // The token is bound to the person: one fetched before this sign-in would be refused.
  resetCsrfToken();
}

export async function logout(): Promise<void> {
  try {
    await request<void>("POST", "/api/auth/logout", { body: {}, allow401: true });
  } finally {
    resetCsrfToken();
  }
}

/** The signed-in user; throws ApiError(401) when there is no session. */
export function getMe(): Promise<Me> {
  return request<Me>("GET", "/api/me", { allow401: true });
}

/** The signed-in user, or null: "not signed in" answers 200, so a first visit logs no failed request. */
export async function getSession(): Promise<Me | null> {
  const session = await request<{ signedIn: boolean; me: Me | null }>("GET", "/api/auth/session");
  return session.signedIn ? session.me : null;
}

/** Stores the UI language in the user's profile, so it follows them to another device. */
export function saveLanguage(language: string): Promise<void> {
  return request<void>("PUT", "/api/me/language", { body: { language } });
}
