// The manager console's calls: KPIs and the monthly report, visits, rosters and their coverage check,
// users, places, device edits, the audit log and dead letters. Shapes as the hub sends them (camelCase).

import { request } from "./http";
import type { CommunityDto, DeviceDto, GridDto, ResidentDto, UserDto } from "./types";

export interface RateRow {
  key: string;
  resolved: number;
  falseAlarms: number;
  rate: number;
}

export interface CoverageRow {
  gridId: number | null;
  required: number;
  visited: number;
  coverage: number;
}

/** `GET /api/reports/kpi`; durations are .NET TimeSpans ("00:01:05"). */
export interface KpiReport {
  from: string;
  to: string;
  alerts: number;
  paged: number;
  acknowledgedWithin60s: number;
  shareAcknowledgedWithin60s: number | null;
  medianTimeToAcknowledge: string | null;
  p90TimeToAcknowledge: string | null;
  medianTimeToResolve: string | null;
  p90TimeToResolve: string | null;
  resolved: number;
  falseAlarms: number;
  falseAlarmsByKind: RateRow[];
  falseAlarmsByDevice: RateRow[];
  visitCoverage: CoverageRow;
  visitCoverageByGrid: CoverageRow[];
  ratings: number;
  averageRating: number | null;
  /** 接诉即办: cases opened in the period (null when the hub has none to report). */
  cases: CaseKpi | null;
  serviceRate: ServiceRateRow | null;
  serviceRateByGrid: ServiceRateRow[];
  satisfaction: Scorecard | null;
  satisfactionByGrid: Scorecard[];
  satisfactionByWorker: Scorecard[];
}

export interface CaseKpi {
  opened: number;
  resolved: number;
  respondedOnTime: number;
  resolvedOnTime: number;
  shareResolvedOnTime: number | null;
  medianTimeToRespond: string | null;
  medianTimeToResolve: string | null;
  escalated: number;
  byCategory: { category: string; opened: number; resolved: number; resolvedOnTime: number }[];
}

export interface ServiceRateRow {
  gridId: number | null;
  required: number;
  served: number;
  rate: number;
}

/** 好差评 per grid (key: grid id) or worker (key: user). Good: 4–5 stars, bad: 1–2. */
export interface Scorecard {
  key: string;
  ratings: number;
  average: number;
  good: number;
  bad: number;
  goodShare: number;
}

export function kpi(communityId: number, from: Date, to: Date): Promise<KpiReport> {
  return request<KpiReport>("GET", `/api/reports/kpi?communityId=${communityId}&from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`);
}

export function reportUrl(communityId: number, month: string, format: "csv" | "xlsx" | "html"): string {
  return `/api/reports/monthly/${communityId}/${month}.${format}`;
}

export interface GridCoverageDto {
  gridId: number;
  required: number;
  visited: number;
  coverage: number;
}

export interface CoverageDto {
  month: string;
  communityId: number;
  required: number;
  visited: number;
  coverage: number;
  grids: GridCoverageDto[];
}

export interface OverdueDto {
  residentId: number;
  name: string;
  gridId: number;
  lastVisit: string | null;
}

export function visitCoverage(communityId: number): Promise<CoverageDto> {
  return request<CoverageDto>("GET", `/api/visits/coverage?communityId=${communityId}`);
}

export function overdue(communityId: number): Promise<OverdueDto[]> {
  return request<OverdueDto[]>("GET", `/api/visits/overdue?communityId=${communityId}`);
}

export type Level = "grid_worker" | "duty_officer" | "emergency_centre";
export const LEVELS: readonly Level[] = ["grid_worker", "duty_officer", "emergency_centre"];

export interface ShiftDto {
  id: number;
  communityId: number;
  gridId: number | null;
  userId: string;
  role: Level;
  start: string;
  end: string;
  days: number;
}

export interface DraftShift {
  gridId: number | null;
  role: Level;
  start: string;
  end: string;
  days: number;
}

export interface GapDto {
  gridId: number;
  gridName: string;
  level: Level;
  /** 0 = Sunday. */
  day: number;
  startHour: number;
  hours: number;
}

export interface CoverageCheck {
  covered: boolean;
  gaps: GapDto[];
}

export function listShifts(communityId: number): Promise<ShiftDto[]> {
  return request<ShiftDto[]>("GET", `/api/rosters?communityId=${communityId}`);
}

export function addShift(communityId: number, shift: DraftShift & { userId: string }): Promise<ShiftDto> {
  return request<ShiftDto>("POST", "/api/rosters", { body: { communityId, ...shift } });
}

export function deleteShift(id: number): Promise<void> {
  return request<void>("DELETE", `/api/rosters/${id}`);
}

/** Draft shifts, or null for the saved roster. */
export function checkCoverage(communityId: number, shifts: DraftShift[] | null): Promise<CoverageCheck> {
  return request<CoverageCheck>("POST", "/api/rosters/coverage-check", { body: { communityId, shifts } });
}

export function listUsers(): Promise<UserDto[]> {
  return request<UserDto[]>("GET", "/api/users");
}

export interface CreateUser {
  email: string;
  password: string;
  displayName: string;
  role: string;
  communityId: number | null;
  gridId: number | null;
  residentIds: number[] | null;
  language: string | null;
}

export function createUser(body: CreateUser): Promise<UserDto> {
  return request<UserDto>("POST", "/api/users", { body });
}

export function createCommunity(name: string): Promise<CommunityDto> {
  return request<CommunityDto>("POST", "/api/communities", { body: { name } });
}

export function renameCommunity(id: number, name: string): Promise<CommunityDto> {
  return request<CommunityDto>("PUT", `/api/communities/${id}`, { body: { name } });
}

export function createGrid(communityId: number, name: string): Promise<GridDto> {
  return request<GridDto>("POST", "/api/grids", { body: { communityId, name } });
}

export function renameGrid(grid: GridDto, name: string): Promise<GridDto> {
  return request<GridDto>("PUT", `/api/grids/${grid.id}`, { body: { communityId: grid.communityId, name } });
}

export function createHousehold(gridId: number, address: string): Promise<{ id: number; gridId: number; address: string }> {
  return request("POST", "/api/households", { body: { gridId, address } });
}

export function updateHousehold(id: number, gridId: number, address: string): Promise<{ id: number; gridId: number; address: string }> {
  return request("PUT", `/api/households/${id}`, { body: { gridId, address } });
}

export interface ResidentEdit {
  householdId: number;
  name: string;
  birthYear: number | null;
  specialDifficulty: boolean;
}

export function createResident(body: ResidentEdit): Promise<ResidentDto> {
  return request<ResidentDto>("POST", "/api/residents", { body });
}

export function updateResident(id: number, body: ResidentEdit): Promise<ResidentDto> {
  return request<ResidentDto>("PUT", `/api/residents/${id}`, { body });
}

export interface DeviceEdit {
  label: string | null;
  location: string | null;
  householdId: number | null;
  residentId: number | null;
  gridId: number | null;
}

export function updateDevice(id: string, body: DeviceEdit): Promise<DeviceDto> {
  return request<DeviceDto>("PUT", `/api/devices/${encodeURIComponent(id)}`, { body });
}

export function revokeDevice(id: string): Promise<DeviceDto> {
  return request<DeviceDto>("POST", `/api/devices/${encodeURIComponent(id)}/revoke`, { body: {} });
}

export interface AuditEntryDto {
  id: number;
  at: string;
  userId: string | null;
  userName: string;
  action: string;
  status: number;
  detail: string | null;
  residentIds: number[];
}

export interface AuditFilter {
  user?: string | undefined;
  residentId?: number | undefined;
  reads?: boolean | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export function audit(filter: AuditFilter): Promise<AuditEntryDto[]> {
  const q = new URLSearchParams({ limit: "200" });
  if (filter.user) q.set("user", filter.user);
  if (filter.residentId !== undefined) q.set("residentId", String(filter.residentId));
  if (filter.reads) q.set("reads", "true");
  if (filter.from) q.set("from", filter.from);
  if (filter.to) q.set("to", filter.to);
  return request<AuditEntryDto[]>("GET", `/api/audit?${q.toString()}`);
}

export interface DeadLetterDto {
  id: number;
  channel: string;
  recipient: string;
  eventType: string;
  payload: string | null;
  attempts: number;
  lastError: string | null;
  failedAt: string;
  alertId: number | null;
  idempotencyKey: string;
}

export function deadLetters(): Promise<DeadLetterDto[]> {
  return request<DeadLetterDto[]>("GET", "/api/notifications/dead-letters");
}

export function retryDeadLetter(id: number): Promise<void> {
  return request<void>("POST", `/api/notifications/dead-letters/${id}/retry`, { body: {} });
}
