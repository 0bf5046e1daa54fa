import { request } from "./http";
import type { AlertEmergencyDto, ContactDto, EmergencyProfileDto, UserDto } from "./types";

export function getMyContact(): Promise<ContactDto> {
  return request<ContactDto>("GET", "/api/me/contact");
}

export function saveMyContact(contact: ContactDto): Promise<ContactDto> {
  return request<ContactDto>("PUT", "/api/me/contact", { body: contact });
}

/** Admins only. */
export function listUsers(): Promise<UserDto[]> {
  return request<UserDto[]>("GET", "/api/users");
}

export function getUserContact(userId: string): Promise<ContactDto> {
  return request<ContactDto>("GET", `/api/users/${encodeURIComponent(userId)}/contact`);
}

export function saveUserContact(userId: string, contact: ContactDto): Promise<ContactDto> {
  return request<ContactDto>("PUT", `/api/users/${encodeURIComponent(userId)}/contact`, { body: contact });
}

/** Staff handling the alert: the resident's emergency profile and whom to call. Each call is an audited read. */
export function getAlertEmergency(alertId: number): Promise<AlertEmergencyDto> {
  return request<AlertEmergencyDto>("GET", `/api/alerts/${alertId}/emergency`);
}

export function getEmergencyProfile(residentId: number): Promise<EmergencyProfileDto> {
  return request<EmergencyProfileDto>("GET", `/api/residents/${residentId}/emergency-profile`);
}

/** E.164 as the hub accepts it: + and 8–15 digits, the first not 0; spaces, dashes, dots and brackets are ignored. */
export function normalizePhone(typed: string): string | null {
  const text = typed.trim();
  if (!text.startsWith("+") || /[^0-9 ().-]/.test(text.slice(1))) return null;
  const digits = text.slice(1).replace(/[ ().-]/g, "");
  return /^[1-9][0-9]{7,14}$/.test(digits) ? `+${digits}` : null;
}
