// Screen-reader announcements through two persistent live regions (polite and assertive). They
// live outside the re-rendered page so a language switch or route change never drops a message.
import { h } from "./dom";

export class Announcer {
  private readonly polite = h("div", { class: "sr-only", "aria-live": "polite", "aria-atomic": "false", "data-testid": "announcer" });
  private readonly assertive = h("div", { class: "sr-only", role: "alert", "aria-atomic": "true" });

  constructor(host: HTMLElement) {
    host.append(this.polite, this.assertive);
  }

  /** Critical news interrupts; the rest waits its turn. */
  say(text: string, urgent = false): void {
    const region = urgent ? this.assertive : this.polite;
    const line = h("p", {}, text);
    region.appendChild(line);
    // Keep only the last few lines: the region is a log, not a history.
    while (region.childElementCount > 5) region.firstElementChild?.remove();
  }

  clear(): void {
    this.polite.replaceChildren();
    this.assertive.replaceChildren();
  }
}
