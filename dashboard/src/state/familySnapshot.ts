// The family's last known status, kept so the installed app can show something when the phone is
// offline. Only the signed-in family's own answer is kept (the resident list the hub scoped to them and
// their open alerts), in this browser's localStorage, and it is removed at sign-out or session expiry.
import type { AlertDto, ResidentDto } from "../api/types";

const KEY = "sc.family.lastKnown";

export interface FamilySnapshot {
  userId: string;
  savedAt: string;
  /** The desk's number, so "call the desk" works offline too. */
  deskPhone: string | null;
  residents: { id: number; name: string; householdAddress: string | null }[];
  alerts: { id: number; residentId: number | null; kind: string; severity: string; raisedAt: string }[];
}

export function saveFamilySnapshot(userId: string, deskPhone: string | null, residents: ResidentDto[], alerts: AlertDto[]): void {
  const snapshot: FamilySnapshot = {
    userId,
    deskPhone,
    savedAt: new Date().toISOString(),
    residents: residents.map((r) => ({ id: r.id, name: r.name, householdAddress: r.householdAddress })),
    alerts: alerts.map((a) => ({ id: a.id, residentId: a.residentId ?? null, kind: a.kind, severity: a.severity, raisedAt: a.raisedAt })),
  };
  try {
    localStorage.setItem(KEY, JSON.stringify(snapshot));
  } catch {
    // Storage full or disabled (private mode): offline status is a convenience, not a requirement.
  }
}

export function loadFamilySnapshot(): FamilySnapshot | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as FamilySnapshot) : null;
  } catch {
    return null;
  }
}

export function clearFamilySnapshot(): void {
  try {
    localStorage.removeItem(KEY);
  } catch {
    // Nothing stored.
  }
}
