import { request } from "./http";
import type { BucketDto, LatestDto } from "./types";

export function latestReadings(deviceId: string): Promise<LatestDto[]> {
  return request<LatestDto[]>("GET", `/api/devices/${encodeURIComponent(deviceId)}/readings/latest`);
}

/** Min/max/mean per bucket over [from, to) — what the charts draw. `interval` is a .NET TimeSpan ("01:00:00"). */
export function aggregateReadings(deviceId: string, name: string, from: Date, to: Date, interval: string): Promise<BucketDto[]> {
  const q = new URLSearchParams({ name, from: from.toISOString(), to: to.toISOString(), interval });
  return request<BucketDto[]>("GET", `/api/devices/${encodeURIComponent(deviceId)}/readings/aggregate?${q.toString()}`);
}
