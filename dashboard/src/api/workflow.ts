// The alert workflow beyond acknowledge/resolve. Each call exists only when the hub publishes the
// endpoint (see Capabilities); the route templates are discovered, not hard-coded, so a renamed
// segment ("on-site" / "onsite" / "arrive") still works.

import { type Capabilities, fill } from "./capabilities";
import { request } from "./http";
import type { AlertDto, TimelineEntry, VisitDto } from "./types";

const ALERT = String.raw`^/api/alerts/\{[^}]+\}/`;

export interface Workflow {
  /** `assignee`: a user id or email (the hub resolves it). */
  dispatch: ((id: number, assignee: string) => Promise<AlertDto>) | null;
  /** Who is on duty for a grid, per escalation level: the people to dispatch. */
  onDuty: ((gridId: number) => Promise<OnDuty[]>) | null;
  onSite: ((id: number) => Promise<AlertDto>) | null;
  /** Family or resident calls off an inferred alert's pre-alarm. */
  cancel: ((id: number) => Promise<AlertDto>) | null;
  /** Family: "I am with her" — recorded and shown to staff; the alert stays open for them. */
  withResident: ((id: number) => Promise<AlertDto>) | null;
  /** Staff: "I called 120" — the handoff to an emergency centre, recorded with who and when. */
  handOff: ((id: number, centre: string) => Promise<AlertDto>) | null;
  comment: ((id: number, text: string) => Promise<unknown>) | null;
  timeline: ((id: number) => Promise<TimelineEntry[]>) | null;
  feedback: ((id: number, rating: number, text: string) => Promise<unknown>) | null;
  visits: ((residentId: number) => Promise<VisitDto[]>) | null;
  /** A grid worker's check-in: "I visited this resident now". */
  recordVisit: ((residentId: number, note: string) => Promise<unknown>) | null;
  pushKey: (() => Promise<string>) | null;
  pushSubscribe: ((subscription: PushSubscriptionJSON) => Promise<unknown>) | null;
}

export function workflow(caps: Capabilities): Workflow {
  const post = (pattern: string): string | null => caps.find("POST", new RegExp(pattern));
  const get = (pattern: string): string | null => caps.find("GET", new RegExp(pattern));

  const dispatch = post(`${ALERT}dispatch$`);
  const onSite = post(`${ALERT}(on-?site|arrive|arrived)$`);
  const comment = post(`${ALERT}comments?$`);
  const cancel = post(`${ALERT}(cancel|cancel-pre-?alarm)$`);
  const withResident = post(`${ALERT}with-resident$`);
  const handOff = post(`${ALERT}handoff$`);
  const timeline = get(`${ALERT}(timeline|events|history)$`);
  const feedback = post(`${ALERT}feedback$`);
  const visitsByResident = get(String.raw`^/api/residents/\{[^}]+\}/visits$`);
  const visitsList = get(String.raw`^/api/visits/?$`);
  const visitsPost = post(String.raw`^/api/visits/?$`);
  const onDuty = get(String.raw`^/api/rosters/on-duty$`);
  const pushKey = get(String.raw`^/api/(push|notifications)/(vapid|public-?key|key)`);
  const pushSubscribe = post(String.raw`^/api/(push|notifications)/subscriptions?$`);

  return {
    dispatch: dispatch ? (id, assignee) => request<AlertDto>("POST", fill(dispatch, id), { body: { assignee } }) : null,
    onDuty: onDuty ? (gridId) => request<OnDuty[]>("GET", `${onDuty}?gridId=${gridId}`) : null,
    onSite: onSite ? (id) => request<AlertDto>("POST", fill(onSite, id), { body: {} }) : null,
    cancel: cancel ? (id) => request<AlertDto>("POST", fill(cancel, id), { body: {} }) : null,
    withResident: withResident ? (id) => request<AlertDto>("POST", fill(withResident, id), { body: {} }) : null,
    handOff: handOff ? (id, centre) => request<AlertDto>("POST", fill(handOff, id), { body: { centre } }) : null,
    comment: comment ? (id, text) => request<unknown>("POST", fill(comment, id), { body: { text } }) : null,
    timeline: timeline ? async (id) => normaliseTimeline(await request<unknown>("GET", fill(timeline, id))) : null,
    feedback: feedback ? (id, rating, text) => request<unknown>("POST", fill(feedback, id), { body: { rating, comment: text || null } }) : null,
    visits: visitsByResident
      ? async (rid) => normaliseList<VisitDto>(await request<unknown>("GET", fill(visitsByResident, rid)))
      : visitsList
        ? async (rid) => normaliseList<VisitDto>(await request<unknown>("GET", `${visitsList.replace(/\/$/, "")}?residentId=${rid}`))
        : null,
    recordVisit: visitsPost ? (rid, note) => request<unknown>("POST", visitsPost, { body: { residentId: rid, note: note || null } }) : null,
    pushKey: pushKey
      ? async () => {
          const answer = await request<unknown>("GET", pushKey);
          if (typeof answer === "string") return answer;
          const o = answer as Record<string, unknown>;
          return String(o["publicKey"] ?? o["key"] ?? o["vapidPublicKey"] ?? "");
        }
      : null,
    pushSubscribe: pushSubscribe ? (subscription) => request<unknown>("POST", pushSubscribe, { body: subscription }) : null,
  };
}

export interface OnDuty {
  level: string;
  people: { userId: string; name: string; phone: string | null }[];
}

/** Accepts `[...]` or `{ entries|events|items: [...] }` and the usual field spellings. */
function normaliseTimeline(raw: unknown): TimelineEntry[] {
  return normaliseList<Record<string, unknown>>(raw).map((e) => ({
    at: String(e["at"] ?? e["time"] ?? e["timestamp"] ?? ""),
    kind: String(e["kind"] ?? e["type"] ?? e["action"] ?? e["event"] ?? ""),
    by: (e["by"] ?? e["actor"] ?? e["user"] ?? null) as string | null,
    text: (e["text"] ?? e["note"] ?? e["detail"] ?? e["message"] ?? null) as string | null,
  }));
}

function normaliseList<T>(raw: unknown): T[] {
  if (Array.isArray(raw)) return raw as T[];
  if (raw && typeof raw === "object") {
    const o = raw as Record<string, unknown>;
    for (const key of ["entries", "events", "items", "timeline", "visits"]) {
      if (Array.isArray(o[key])) return o[key] as T[];
    }
  }
  return [];
}
