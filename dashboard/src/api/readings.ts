import { request } from "./http";
import type { BucketDto, HistoryDto, LatestDto } from "./types";

export function latestReadings(deviceId: string): Promise<LatestDto[]> {
  return request<LatestDto[]>("GET", `/api/devices/${encodeURIComponent(deviceId)}/readings/latest`);
}

/** Min/max/mean per bucket over [from, to) — raw points only. `interval` is a .NET TimeSpan ("01:00:00"). */
export function aggregateReadings(deviceId: string, name: string, from: Date, to: Date, interval: string): Promise<BucketDto[]> {
  const q = new URLSearchParams({ name, from: from.toISOString(), to: to.toISOString(), interval });
  return request<BucketDto[]>("GET", `/api/devices/${encodeURIComponent(deviceId)}/readings/aggregate?${q.toString()}`);
}

/** What the charts draw: buckets over any range up to two years, raw where kept and hourly rollups before. */
export function readingsHistory(deviceId: string, name: string, from: Date, to: Date): Promise<HistoryDto> {
  const q = new URLSearchParams({ name, from: from.toISOString(), to: to.toISOString() });
  return request<HistoryDto>("GET", `/api/devices/${encodeURIComponent(deviceId)}/readings/history?${q.toString()}`);
}

/** A link that downloads the series as CSV (the session cookie goes with it; the hub applies the API's access rules). */
export function readingsCsvUrl(deviceId: string, name: string, from: Date, to: Date): string {
  const q = new URLSearchParams({ name, from: from.toISOString(), to: to.toISOString() });
  return `/api/devices/${encodeURIComponent(deviceId)}/readings/export.csv?${q.toString()}`;
}
