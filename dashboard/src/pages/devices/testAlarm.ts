// Test alarms: `{"cmd":"test-alarm"}` goes to a device, which answers with a `test` reading; its
// latest readings are polled until that reading shows up or the watch ends.

import { sendTestAlarm } from "../../api/devices";
import { latestReadings } from "../../api/readings";
import { t } from "../../i18n";
import { formatTime } from "../../ui/format";

const TEST_WATCH_MS = 60_000;

export interface TestAlarm {
  state: "sending" | "sent" | "arrived" | "timeout" | "failed";
  sentAt: number;
  arrivedAt?: number;
  /** The hub answered that the device is offline: the command waits for it. */
  offline?: boolean;
}

/** The test alarms of one page: their state by device, and the timers that watch for an answer. */
export class TestAlarms {
  private readonly tests = new Map<string, TestAlarm>();
  private readonly timers = new Set<number>();
  private disposed = false;

  /** `changed`: a test's state moved on; `arrived`: a device answered. */
  constructor(
    private readonly changed: () => void,
    private readonly arrived: (id: string) => void,
  ) {}

  get(id: string): TestAlarm | undefined {
    return this.tests.get(id);
  }

  async send(id: string): Promise<void> {
    const state = this.tests.get(id)?.state;
    if (state === "sending" || state === "sent") return;
    const started = Date.now();
    this.tests.set(id, { state: "sending", sentAt: started });
    this.changed();
    try {
      const answer = await sendTestAlarm(id);
      const sentAt = Date.parse(answer.sentAt) || started;
      this.tests.set(id, { state: "sent", sentAt, offline: !answer.online });
      this.changed();
      this.watch(id, sentAt, Date.now() + TEST_WATCH_MS);
    } catch {
      this.tests.set(id, { state: "failed", sentAt: started });
      this.changed();
    }
  }

  dispose(): void {
    this.disposed = true;
    for (const id of this.timers) window.clearTimeout(id);
  }

  /** The device answers with a `test` reading; poll its latest values until it shows up. */
  private watch(id: string, sentAt: number, deadline: number): void {
    this.later(() => {
      latestReadings(id)
        .then((latest) => {
          const hit = latest.find((l) => l.name === "test" && Date.parse(l.t) >= sentAt - 2_000);
          if (hit) {
            this.tests.set(id, { state: "arrived", sentAt, arrivedAt: Math.max(Date.parse(hit.t), sentAt) });
            this.arrived(id);
            this.changed();
          } else if (Date.now() > deadline) {
            this.tests.set(id, { state: "timeout", sentAt });
            this.changed();
          } else this.watch(id, sentAt, deadline);
        })
        .catch(() => (Date.now() > deadline ? undefined : this.watch(id, sentAt, deadline)));
    }, 1000);
  }

  private later(fn: () => void, ms: number): void {
    const id = window.setTimeout(() => {
      this.timers.delete(id);
      if (!this.disposed) fn();
    }, ms);
    this.timers.add(id);
  }
}

export function testText(test: TestAlarm): string {
  switch (test.state) {
    case "sending":
      return t("devices.testSending");
    case "sent":
      return t(test.offline ? "devices.testSentOffline" : "devices.testSent", { time: formatTime(new Date(test.sentAt).toISOString()) });
    case "arrived":
      return t("devices.testArrived", { seconds: (((test.arrivedAt ?? test.sentAt) - test.sentAt) / 1000).toFixed(1) });
    case "timeout":
      return t("devices.testTimeout");
    default:
      return t("devices.testFailed");
  }
}
