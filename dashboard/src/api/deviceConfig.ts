// Device configuration (the firmware's numeric settings): overrides per kind and per device, validated by the
// hub against the firmware's own table and published to the devices' retained cfg topic.

import { request } from "./http";

export type SettingSource = "default" | "kind" | "device";

export interface SettingView {
  name: string;
  value: number;
  source: SettingSource;
  default: number;
  min: number;
  max: number;
  kindValue: number | null;
  deviceValue: number | null;
}

export interface DeviceConfigDto {
  deviceId: string;
  kind: string;
  settings: SettingView[];
  /** The payload on the device's retained cfg topic, or null when the hub has sent it none. */
  sent: string | null;
  changedAt: string | null;
  publishedAt: string | null;
  lastSeenAt: string | null;
  /** The device has been heard from since the change was published (the protocol has no config report). */
  delivered: boolean;
}

export interface KindConfigDto {
  kind: string;
  settings: SettingView[];
  devices: number;
}

/** A change: a number sets an override, null removes it. */
export type SettingChanges = Record<string, number | null>;

const device = (id: string) => `/api/devices/${encodeURIComponent(id)}/config`;
const kind = (k: string) => `/api/device-kinds/${encodeURIComponent(k)}/config`;

export const getDeviceConfig = (id: string) => request<DeviceConfigDto>("GET", device(id));
export const putDeviceConfig = (id: string, body: SettingChanges) => request<DeviceConfigDto>("PUT", device(id), { body });
export const getKindConfig = (k: string) => request<KindConfigDto>("GET", kind(k));
export const putKindConfig = (k: string, body: SettingChanges) => request<KindConfigDto>("PUT", kind(k), { body });
