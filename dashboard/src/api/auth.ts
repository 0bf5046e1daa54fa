import { request, resetCsrfToken } from "./http";
import type { GatewayInfo, GatewaySession, Me } from "./types";

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

/** The signed-in user, or null: "not signed in" answers 200, so a first visit logs no failed request. A community
 *  gateway answers the same call and adds `gateway`: the app is then the duty room's local board. */
export async function getSession(): Promise<{ me: Me | null; gateway: GatewaySession | null }> {
  const session = await request<{ signedIn: boolean; me: Me | null; gateway?: GatewaySession | null }>("GET", "/api/auth/session");
  return { me: session.signedIn ? session.me : null, gateway: session.gateway ?? null };
}

/** Sign-in at a community gateway: the person's name (it goes with their acknowledgements) and the duty room's password. */
export async function gatewayLogin(name: string, password: string): Promise<void> {
  resetCsrfToken();
  await request<void>("POST", "/api/auth/login", { body: { name, password }, allow401: true });
  resetCsrfToken();
}

/** The gateway's link to the hub (polled by the local board). */
export function getGatewayInfo(): Promise<GatewayInfo> {
  return request<GatewayInfo>("GET", "/api/gateway/info");
}

/** Stores the UI language in the user's profile, so it follows them to another device. */
export function saveLanguage(language: string): Promise<void> {
  return request<void>("PUT", "/api/me/language", { body: { language } });
}
