import { request, requestBlob } from "./http";
import type { DeviceCredentials, DeviceDto, DeviceRejections, ProvisioningQrDto, RegisterDeviceRequest, TestAlarmDto } from "./types";

export function listDevices(): Promise<DeviceDto[]> {
  return request<DeviceDto[]>("GET", "/api/devices");
}

export function getDevice(id: string): Promise<DeviceDto> {
  return request<DeviceDto>("GET", `/api/devices/${encodeURIComponent(id)}`);
}

/** The only answer that ever carries the device secret. */
export function registerDevice(body: RegisterDeviceRequest): Promise<DeviceCredentials> {
  return request<DeviceCredentials>("POST", "/api/devices", { body });
}

/** A new secret; the old one keeps working for the hub's grace period or until the device first uses the new one. */
export function rotateSecret(id: string, graceSeconds?: number): Promise<DeviceCredentials> {
  return request<DeviceCredentials>("POST", `/api/devices/${encodeURIComponent(id)}/secret`, { body: graceSeconds === undefined ? {} : { graceSeconds } });
}

/** The probe's own temperature band (°C); the hub refuses one outside −40…85 or narrower than 1 °C. */
export function setTemperatureBand(id: string, min: number, max: number): Promise<DeviceDto> {
  return request<DeviceDto>("PUT", `/api/devices/${encodeURIComponent(id)}/band`, { body: { min, max } });
}

/** Back to the band of the probe's location. */
export function clearTemperatureBand(id: string): Promise<DeviceDto> {
  return request<DeviceDto>("DELETE", `/api/devices/${encodeURIComponent(id)}/band`);
}

export function deviceRejections(id: string): Promise<DeviceRejections> {
  return request<DeviceRejections>("GET", `/api/devices/${encodeURIComponent(id)}/rejections?limit=20`);
}

/** The QR code is rendered on the hub (QRCoder); the secret goes in the body, never in a URL. */
export function provisioningQr(id: string, secret: string): Promise<ProvisioningQrDto> {
  return request<ProvisioningQrDto>("POST", `/api/devices/${encodeURIComponent(id)}/provisioning-qr`, { body: { secret } });
}

/** The same QR code as PNG, for printing on the installation sheet. */
export function provisioningQrPng(id: string, secret: string): Promise<Blob> {
  return requestBlob("POST", `/api/devices/${encodeURIComponent(id)}/provisioning-qr.png`, { body: { secret } });
}

export function sendTestAlarm(id: string): Promise<TestAlarmDto> {
  return request<TestAlarmDto>("POST", `/api/devices/${encodeURIComponent(id)}/test-alarm`, { body: {} });
}
