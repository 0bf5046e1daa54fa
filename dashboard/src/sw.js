// The app's service worker, served as /sw.js at scope / (registered from api/push.ts): Web Push from
// the hub, notification clicks, and an offline shell for the installed family app. build.mjs fills in
// VERSION and SHELL (the hashed URLs of index.html's files); a new build gets a new cache.
//
// Never cached: /api and /hubs (personal data; the hub sends no-store) — those requests are not
// intercepted at all. Navigations go to the network first and fall back to the cached shell, so an
// online user always gets the current app; the app itself keeps the family's last known status.
const VERSION = "__VERSION__";
const SHELL = __SHELL__;
const CACHE = `sc-shell-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("sc-shell-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/hubs/") || url.pathname.startsWith("/openapi/")) return;
  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request).catch(() => caches.open(CACHE).then((cache) => cache.match("/index.html")).then((r) => r ?? Response.error())),
    );
    return;
  }
  event.respondWith(caches.open(CACHE).then((cache) => cache.match(request).then((hit) => hit ?? fetch(request))));
});
self.addEventListener("push", (event) => {
  let data = { title: "SmartCommunity", body: "", url: "/", tag: undefined, severity: "info" };
  try {
    data = { ...data, ...event.data.json() };
  } catch {
    if (event.data) data.body = event.data.text();
  }
  event.waitUntil(
    self.registration.showNotification(data.title, {
      body: data.body,
      tag: data.tag,
      renotify: true,
      // A critical alert stays on screen until someone acts on it.
      requireInteraction: data.severity === "critical",
      icon: "/assets/icon-192.png",
      data: { url: data.url },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url ?? "/", self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((w) => w.url.startsWith(self.location.origin));
      return open ? open.focus().then((w) => w.navigate(url)) : self.clients.openWindow(url);
    }),
  );
});
