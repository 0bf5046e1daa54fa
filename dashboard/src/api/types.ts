// Wire contracts of the hub's public API (JSON, camelCase). Kept in one place so that a change on
// the hub side is a change here and the compiler points at every use.

export type Role = "Admin" | "EmergencyStaff" | "GridWorker" | "Technician" | "Family";

export type Language = "en" | "zh-CN";

/** `GET /api/me` */
export interface Me {
  id?: string;
  userName: string;
  displayName: string;
  roles: Role[];
  language: Language | null;
  communityId?: number | null;
  gridId?: number | null;
  /** Family members: the residents they are linked to. */
  residentIds?: number[];
  /** The community desk's phone (Hub:DeskPhone, E.164); absent when the hub has none. */
  deskPhone?: string | null;
  /** Failed sign-ins to this account before this session's sign-in (told once, at sign-in). */
  failedSignIns?: SignInFailures | null;
}

/** Served by a community gateway (docs/gateway.md): the duty room's local board, not the hub. */
export interface GatewaySession {
  id: string;
  /** The gateway has a duty-room password: people can sign in. */
  board: boolean;
}

/** GET /api/gateway/info: the gateway's link to the hub. */
export interface GatewayInfo {
  id: string;
  uplinkConnected: boolean;
  hubUrl: string | null;
  openAlerts: number;
}

export interface SignInFailures {
  count: number;
  first: string;
  last: string;
  /** Client addresses, newest first (at most five). */
  addresses: string[];
}

export type Severity = "critical" | "high" | "warning" | "info";

export type AlertStatus = "raised" | "acknowledged" | "dispatched" | "on_site" | "resolved";

/** An alert kind's wire name (`sos`, `carbon_monoxide`, …): the hub's catalogue says which exist. */
export type AlertKind = string;

export const RESOLVE_OUTCOMES = ["real", "false_alarm", "device_fault", "resident_cancelled"] as const;
export type ResolveOutcome = (typeof RESOLVE_OUTCOMES)[number];

/** An alert as served by `GET /api/alerts` and pushed by the `/hubs/alerts` SignalR hub. */
export interface AlertDto {
  id: number;
  kind: AlertKind;
  severity: Severity;
  status: AlertStatus;
  deviceId: string;
  residentId: number | null;
  residentName: string | null;
  householdLabel: string | null;
  gridId: number | null;
  gridName: string | null;
  communityId: number | null;
  /** Rendered by the hub in the reader's language (profile, else the board's Accept-Language / ?lang). */
  message: string;
  /** The alert kind's label, in the same language. */
  title?: string | null;
  /** ISO 8601 */
  raisedAt: string;
  /** ISO 8601; moves forward as repeats fold into the alert. */
  lastSeenAt: string;
  occurrences: number;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  assignedTo?: string | null;
  dispatchedAt?: string | null;
  onSiteAt?: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
  outcome: string | null;
  resolutionNote?: string | null;
  householdId?: number | null;
  /** When the alert escalates if nobody acts (the workflow adds it; absent = no countdown). The
   *  hub's name for it is not settled yet: any of these is accepted. */
  escalatesAt?: string | null;
  nextEscalationAt?: string | null;
  nextPageAt?: string | null;
  /** Pre-alarm (inferred alerts only): staff are paged only after this, unless the resident or family cancel first. */
  preAlarmUntil?: string | null;
  /** A family member reported being with the resident ("I am with her"): who and when. Staff still resolve the alert. */
  withResidentBy?: string | null;
  withResidentAt?: string | null;
  /** The emergency centre staff handed the alert to (120, 110, 119), who and when. */
  handedOffTo?: string | null;
  handedOffBy?: string | null;
  handedOffAt?: string | null;
  feedbackRating?: number | null;
  /** Escalation level paged last (workflow: grid_worker | duty_officer | emergency_centre). */
  escalationLevel?: string | number | null;
  /** How many escalation pages went out. */
  pagesSent?: number;
  /** Increases on every change; the higher version of the same alert wins. */
  version: number;
  /** Early warning's evidence (staff and the resident's family only): the recent series, the expected band, the moment it fired. */
  evidence?: AlertEvidence | null;
}

/** One point of an alert's evidence: the value (a bucket's mean) and, where the model knows it, the band expected there. */
export interface EvidencePoint {
  /** ISO 8601 */
  t: string;
  v: number;
  lo?: number | null;
  hi?: number | null;
}

/** What an early-warning alert was decided on. For routines `measurement` is "activity": 1 = movement seen in that hour,
 *  the band the usual chance of movement. */
export interface AlertEvidence {
  measurement: string;
  /** As people write it ("°C", "ppm", "%"), "" for activity. */
  unit: string;
  /** When the excursion began; `at`: when it fired. ISO 8601. */
  since: string;
  at: string;
  expected?: number | null;
  seen?: number | null;
  points: EvidencePoint[];
}

export interface ResolveRequest {
  outcome: ResolveOutcome;
  note: string;
}

// ── Places ────────────────────────────────────────────────────────────────────────────────────

export interface GridDto {
  id: number;
  communityId: number;
  name: string;
}

export interface CommunityDto {
  id: number;
  name: string;
  timeZone: string;
  grids: GridDto[];
}

export interface ResidentDto {
  id: number;
  name: string;
  birthYear: number | null;
  specialDifficulty: boolean;
  householdId: number;
  householdAddress: string | null;
  gridId: number | null;
  gridName: string | null;
  communityId: number | null;
}

export interface ResidentDetailDto {
  resident: ResidentDto;
  devices: DeviceDto[];
}

// ── Devices ───────────────────────────────────────────────────────────────────────────────────

export const DEVICE_LOCATIONS = ["Home", "Bedroom", "Bathroom", "Kitchen", "PublicSpace"] as const;

export interface DeviceDto {
  id: string;
  kind: string;
  location: string;
  label: string | null;
  householdId: number | null;
  residentId: number | null;
  gridId: number | null;
  online: boolean;
  lastSeenAt: string | null;
  battery: number | null;
  rssi: number | null;
  firmware: string | null;
  rejected: number;
  registeredAt: string;
  revoked: boolean;
  /** The probe's own temperature band in °C (a freezer, a fridge); null: its location's. */
  bandMin?: number | null;
  bandMax?: number | null;
}

export interface RegisterDeviceRequest {
  kind: string;
  id: string | null;
  location: string | null;
  label: string | null;
  householdId: number | null;
  residentId: number | null;
  gridId: number | null;
}

export interface MqttConnectionInfo {
  host: string;
  port: number;
  webSocketPath: string;
  username: string;
  clientId: string;
  upTopic: string;
  statusTopic: string;
  downTopic: string;
  cfgTopic: string;
  /** MQTT over TLS, when the hub has a certificate. */
  tlsPort?: number | null;
}

export interface DeviceCredentials {
  device: DeviceDto;
  secret: string;
  mqtt: MqttConnectionInfo;
  /** After a rotation: until when the old secret still works (null: it stopped at once). */
  previousSecretValidUntil?: string | null;
  /** The provisioning document: the JSON the QR code carries and `sc-provision -r` reads. */
  provisioning?: ProvisioningDocument | null;
}

/** `{"sc":"provision","v":2,…}` (hub/SmartCommunity.Domain/Provisioning/ProvisioningDocument.cs). */
export interface ProvisioningDocument {
  sc: "provision";
  v: number;
  id: string;
  profile: string;
  secret: string;
  broker?: string;
  ca_sha256?: string;
  set?: Record<string, number>;
}

/** Why the document lacks a field: no_tls, host_unusable, no_ca. */
export type ProvisioningNote = "no_tls" | "host_unusable" | "no_ca";

export interface ProvisioningQrDto {
  svg: string;
  /** The document's exact text, what the QR code encodes. */
  data: string;
  notes: ProvisioningNote[];
}

export interface TestAlarmDto {
  deviceId: string;
  sentAt: string;
  online: boolean;
}

export interface RejectionCountDto {
  deviceId: string;
  reason: string;
  count: number;
  lastAt: string;
  lastDetail: string | null;
}

export interface RejectionDto {
  deviceId: string;
  reason: string;
  detail: string | null;
  topic: string | null;
  at: string;
}

export interface DeviceRejections {
  counts: RejectionCountDto[];
  recent: RejectionDto[];
}

// ── Sensor catalogue (`GET /api/catalog`): the one list of kinds, measurements and alert kinds ──

export interface CatalogDto {
  deviceKinds: DeviceKindDto[];
  measurements: MeasurementDto[];
  alertKinds: AlertKindDto[];
  rules: SafetyRuleDto[];
  /** Language tag → text key (the rows' `label`, rule messages) → text. */
  texts: Record<string, Record<string, string>>;
}

export interface DeviceKindDto {
  kind: string;
  /** Text key, e.g. `device_kind.co`. */
  label: string;
  /** Icon name (artwork is the dashboard's: ui/icons.ts). */
  icon: string;
  heartbeatSeconds: number;
  lowBatteryPercent: number;
  lifeSafety: boolean;
  measurements: string[];
  button: string[];
}

export interface MeasurementDto {
  name: string;
  label: string;
  /** SenML unit (`Cel`, `%RH`, `ppm`…), null for events. */
  unit: string | null;
  type: "number" | "bool" | "string";
  min: number;
  max: number;
  /** Decimal places the device reports. */
  precision: number;
  urgency: string;
  /** `up` (readings and events) or `status` (device health). */
  channel: "up" | "status";
}

export interface AlertKindDto {
  kind: string;
  label: string;
  severity: Severity;
  source: string;
  icon: string;
  preAlarmSeconds: number | null;
  forFamily: boolean;
}

export interface SafetyRuleDto {
  measurement: string;
  condition: string;
  threshold: string;
  alert: string;
  severity: Severity | null;
  message: string;
}

// ── Live channel ──────────────────────────────────────────────────────────────────────────────

/** `Paged`: sent only to the people paged for an alert (escalation). */
export interface PageDto {
  alert: AlertDto;
  /** grid_worker | duty_officer | emergency_centre */
  level: string;
  /** The escalation step, from 0 (the first page). */
  step: number;
}

// ── Readings ──────────────────────────────────────────────────────────────────────────────────

export interface LatestDto {
  name: string;
  t: string;
  v: number;
}

export interface BucketDto {
  t: string;
  min: number;
  max: number;
  mean: number;
  count: number;
}

/** A chart's history: `source` says whether the buckets are raw points, hourly rollups or both. */
export interface HistoryDto {
  name: string;
  from: string;
  to: string;
  interval: string;
  source: "raw" | "hourly" | "mixed";
  buckets: BucketDto[];
}

// ── Workflow (lands on the hub step by step; every field optional) ────────────────────────────

export interface TimelineEntry {
  at: string;
  kind: string;
  by?: string | null;
  text?: string | null;
}

export interface VisitDto {
  id?: number;
  at: string;
  by?: string | null;
  note?: string | null;
  /** How it was recorded (e.g. a check-in in the app, a device button). */
  source?: string | null;
}

// ── Contacts ──────────────────────────────────────────────────────────────────────────────────

/** How a person is reached: phone (E.164), channels, quiet hours (HH:mm, community time; critical alerts pass). */
export interface ContactDto {
  phone: string | null;
  push: boolean;
  sms: boolean;
  voice: boolean;
  quietStart: string | null;
  quietEnd: string | null;
}

/** A user as admins list them (`GET /api/users`). */
export interface UserDto {
  id: string;
  email: string;
  displayName: string;
  roles: Role[];
  communityId: number | null;
  gridId: number | null;
  residentIds: number[];
  phone: string | null;
}

export interface EmergencyContactDto {
  name: string;
  relation: string | null;
  /** E.164, or masked ("+86 138****5678") for family readers. */
  phone: string;
  language: Language | null;
  mayCall: boolean;
}

export interface EmergencyProfileDto {
  residentId: number;
  residentName: string | null;
  conditions: string | null;
  medication: string | null;
  allergies: string | null;
  mobility: string | null;
  keyHolder: string | null;
  accessNotes: string | null;
  doctor: string | null;
  hospital: string | null;
  contacts: EmergencyContactDto[];
  updatedAt: string | null;
  updatedBy: string | null;
  phonesMasked: boolean;
}

/** Whom to call for an alert, in order (`GET /api/alerts/{id}/emergency`, staff handling it only). */
export interface CascadeContactDto {
  role: "grid_worker" | "family" | "emergency_contact";
  name: string;
  relation: string | null;
  phone: string | null;
  push: boolean;
  sms: boolean;
  voice: boolean;
  language: Language | null;
}

export interface AlertEmergencyDto {
  alertId: number;
  profile: EmergencyProfileDto;
  call: CascadeContactDto[];
}

/** A case (接诉即办) as the hub sends it (GET /api/cases, the CaseUpdated push). */
export interface CaseDto {
  id: number;
  category: string;
  channel: string;
  status: "opened" | "assigned" | "on_site" | "resolved";
  communityId: number;
  gridId: number | null;
  householdId: number | null;
  residentId: number | null;
  description: string;
  openedBy: string;
  openedAt: string;
  assignedTo: string | null;
  assignedAt: string | null;
  onSiteAt: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
  outcome: string | null;
  resolutionNote: string | null;
  respondBy: string;
  resolveBy: string;
  escalations: number;
  rating: number | null;
  ratingComment: string | null;
  hasPhoto: boolean;
  version: number;
  residentName: string | null;
}

export interface ServiceDto {
  id: number;
  residentId: number;
  gridId: number;
  kind: string;
  at: string;
  by: string;
  provider: string | null;
  note: string | null;
  rating: number | null;
}

/** A community edge gateway and its link as the hub last heard it (docs/gateway.md); health fields are null until its first health message. */
export interface GatewayDto {
  id: string;
  communityId: number;
  name: string;
  registeredAt: string;
  revoked: boolean;
  connected: boolean;
  silent: boolean;
  lastSeenAt: string | null;
  online: boolean | null;
  devicesConnected: number | null;
  queueDepth: number | null;
  queueBytes: number | null;
  oldestQueuedAt: string | null;
  diskUsedBytes: number | null;
  diskQuotaBytes: number | null;
  droppedRoutine: number | null;
  refusedByHub: number | null;
  version: string | null;
}
