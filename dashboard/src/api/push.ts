// Web Push subscription: registers the app's service worker (/sw.js at scope /: push, notification
// clicks and the offline shell) and hands the browser's subscription
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

const SCOPE = "/";

/** Registers /sw.js at the root scope (the offline shell and installability need it) and removes the
 *  push-only worker older versions registered at /assets/. Safe to call on every start. */
export function registerWorker(): Promise<ServiceWorkerRegistration | null> {
  if (!("serviceWorker" in navigator)) return Promise.resolve(null);
  return (async () => {
    try {
      const old = await navigator.serviceWorker.getRegistration(SCOPE);
      if (old && new URL(old.scope).pathname === "/assets/") await old.unregister();
      return await navigator.serviceWorker.register("/sw.js", { scope: SCOPE });
    } catch (error) {
      console.warn("Could not register the service worker", error);
      return null;
    }
  })();
}

export async function enablePush(): Promise<boolean> {
  if (!pushSupported() || (await Notification.requestPermission()) !== "granted") return false;
  if (!(await registerWorker())) return false;
  // Subscribe through the active worker: push needs one that has finished installing.
  const registration = await navigator.serviceWorker.ready;
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
  const registration = await navigator.serviceWorker.getRegistration(SCOPE);
  const subscription = await registration?.pushManager.getSubscription();
  if (!subscription) return;
  await request("DELETE", `/api/notifications/subscriptions?endpoint=${encodeURIComponent(subscription.endpoint)}`);
  await subscription.unsubscribe();
}
