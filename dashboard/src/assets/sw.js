// Service worker for Web Push from the hub. Only push and notification clicks: it does not cache or
// intercept requests, so registering it cannot serve a stale board. Registered from api/push.ts; its
// scope is /assets/, which is enough for push (scope only matters for fetch interception).
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
      icon: "/assets/favicon.svg",
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
