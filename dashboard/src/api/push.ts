// Web Push subscription: registers the push-only service worker and hands the browser's subscription
// (endpoint + encryption keys) to the hub. Call enablePush() from a user gesture (browsers require it
// for the permission prompt); disablePush() removes it again.
import { request } from "./http";

export function pushSupported(): boolean {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

function keyBytes(base64url: string): ArrayBuffer {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(base64url.length / 4) * 4, "=");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)).buffer;
}

export async function enablePush(): Promise<boolean> {
  if (!pushSupported() || (await Notification.requestPermission()) !== "granted") return false;
  const registration = await navigator.serviceWorker.register("/assets/sw.js", { scope: "/assets/" });
  const { publicKey } = await request<{ publicKey: string }>("GET", "/api/notifications/vapid-public-key");
  const subscription =
    (await registration.pushManager.getSubscription()) ??
    (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) }));
  const json = subscription.toJSON();
  await request("POST", "/api/notifications/subscriptions", {
    body: { endpoint: json.endpoint, keys: { p256dh: json.keys?.p256dh, auth: json.keys?.auth } },
  });
  return true;
}

export async function disablePush(): Promise<void> {
  if (!pushSupported()) return;
  const registration = await navigator.serviceWorker.getRegistration("/assets/");
  const subscription = await registration?.pushManager.getSubscription();
  if (!subscription) return;
  await request("DELETE", `/api/notifications/subscriptions?endpoint=${encodeURIComponent(subscription.endpoint)}`);
  await subscription.unsubscribe();
}
