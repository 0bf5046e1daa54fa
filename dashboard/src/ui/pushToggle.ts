// "Turn on notifications" on the family page: the push module (api/push.ts, with the push-only
// service worker src/assets/sw.js) does the subscribing; this is the button, its state and the
// words. Shown only where the browser supports Web Push and the hub offers it.

import type { AppContext, View } from "../context";
import { disablePush, enablePush, pushSupported } from "../api/push";
import { t } from "../i18n";
import { h, setAttr, setText } from "./dom";
import { iconEl } from "./icons";

export function pushToggle(ctx: AppContext): View {
  const status = h("p", { class: "muted", role: "status", "data-testid": "push-status" });
  const label = h("span", {}, t("push.enable"));
  const button = h("button", { type: "button", class: "btn btn--secondary", "data-testid": "push-enable", "aria-pressed": "false" }, iconEl("bell"), label);
  const element = h("section", { class: "push", hidden: true, "data-testid": "push" }, button, status);
  let on = false;
  let busy = false;

  const paint = (): void => {
    setAttr(button, "aria-pressed", String(on));
    setText(label, on ? t("push.disable") : t("push.enable"));
    setText(status, on ? t("push.on") : t("push.hint"));
  };

  button.addEventListener("click", () => {
    if (busy) return;
    busy = true;
    setAttr(button, "aria-disabled", "true");
    void (async () => {
      try {
        if (on) {
          await disablePush();
          on = false;
          paint();
        } else if (await enablePush()) {
          on = true;
          paint();
        } else setText(status, t("push.denied"));
      } catch (error) {
        console.warn("Push subscription failed", error);
        setText(status, t("push.failed"));
      } finally {
        busy = false;
        setAttr(button, "aria-disabled", null);
      }
    })();
  });

  if (pushSupported() && ctx.flow.pushKey && ctx.flow.pushSubscribe) {
    element.hidden = false;
    void navigator.serviceWorker
      .getRegistration("/assets/")
      .then((reg) => reg?.pushManager.getSubscription())
      .then((sub) => {
        on = !!sub && Notification.permission === "granted";
        paint();
      })
      .catch(() => paint());
  }
  return { element, dispose() {} };
}
