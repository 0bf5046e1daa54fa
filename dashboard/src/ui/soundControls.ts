// "Enable sound" until the browser lets the page play audio; then a mute toggle that times out.

import type { View } from "../context";
import { t } from "../i18n";
import { type Alarm, type AlarmState } from "../sound/alarm";
import { h, setAttr, setText } from "./dom";
import { formatCountdown } from "./format";
import { iconEl } from "./icons";

export function soundControls(alarm: Alarm): View {
  const enable = h(
    "button",
    {
      type: "button",
      class: "btn btn--warn btn--compact",
      "data-testid": "sound-enable",
      title: t("sound.enableHint"),
      onclick: () => void alarm.unlock(),
    },
    iconEl("soundOff"),
    h("span", {}, t("sound.enable")),
  );

  const muteText = h("span", {});
  const muteIcon = h("span", { class: "icon-slot" });
  const mute = h(
    "button",
    {
      type: "button",
      class: "btn btn--ghost btn--compact",
      "data-testid": "mute-button",
      "aria-pressed": "false",
    },
    muteIcon,
    muteText,
  );
  mute.addEventListener("click", () => {
    if (alarm.state.mutedUntil !== null) alarm.unmute();
    else alarm.mute();
  });

  const element = h("div", { class: "sound" }, enable, mute);
  let state: AlarmState = alarm.state;
  let lastIcon = "";

  const paint = (): void => {
    enable.hidden = state.unlocked;
    const muted = state.mutedUntil !== null;
    const left = muted ? formatCountdown((state.mutedUntil ?? 0) - Date.now()) : "";
    setText(muteText, muted ? t("sound.muted", { time: left }) : t("sound.mute"));
    setAttr(mute, "aria-pressed", String(muted));
    setAttr(mute, "title", muted ? t("sound.unmute") : null);
    mute.classList.toggle("is-muted", muted);
    mute.classList.toggle("is-ringing", state.sounding);
    const wanted = muted ? "off" : "on";
    if (wanted !== lastIcon) {
      muteIcon.replaceChildren(iconEl(muted ? "soundOff" : "soundOn"));
      lastIcon = wanted;
    }
  };

  const unsubscribe = alarm.subscribe((s) => {
    state = s;
    paint();
  });
  const ticker = window.setInterval(() => {
    if (state.mutedUntil !== null) paint();
  }, 1000);

  return {
    element,
    dispose() {
      unsubscribe();
      window.clearInterval(ticker);
    },
  };
}
