// The critical-alert sound, synthesised with WebAudio (no audio files). Browsers keep audio locked
// until the first user gesture on the page, so the board offers an "Enable sound" button until
// the AudioContext runs; any click or key press on the page unlocks it too.
//
// Muting lasts five minutes. A critical alert that arrives while muted breaks the mute: silencing
// applies to the alarms the operator has heard, not to new emergencies (as medical alarm systems do).

export const MUTE_DURATION_MS = 5 * 60_000;

/** One burst: a falling two-tone pattern, then a pause. */
const BURST_INTERVAL_MS = 2_600;
const TONES: readonly { freq: number; at: number; dur: number }[] = [
  { freq: 988, at: 0.0, dur: 0.18 },
  { freq: 740, at: 0.22, dur: 0.18 },
  { freq: 988, at: 0.44, dur: 0.18 },
  { freq: 740, at: 0.66, dur: 0.18 },
  { freq: 988, at: 0.88, dur: 0.18 },
  { freq: 740, at: 1.1, dur: 0.32 },
];

export interface AlarmState {
  unlocked: boolean;
  /** Wanted: some critical alert is unacknowledged. */
  active: boolean;
  mutedUntil: number | null;
  /** Actually sounding now. */
  sounding: boolean;
}

type Listener = (state: AlarmState) => void;

export class Alarm {
  private ctx: AudioContext | null = null;
  private master: GainNode | null = null;
  private active = false;
  private mutedUntil: number | null = null;
  private burstTimer: number | undefined;
  private muteTimer: number | undefined;
  private readonly listeners = new Set<Listener>();

  constructor() {
    // Any gesture on the page is a chance to unlock audio.
    const unlockOnGesture = (): void => {
      void this.unlock().then((ok) => {
        if (ok) {
          document.removeEventListener("pointerdown", unlockOnGesture, true);
          document.removeEventListener("keydown", unlockOnGesture, true);
        }
      });
    };
    document.addEventListener("pointerdown", unlockOnGesture, true);
    document.addEventListener("keydown", unlockOnGesture, true);
  }

  get state(): AlarmState {
    return {
      unlocked: this.ctx?.state === "running",
      active: this.active,
      mutedUntil: this.mutedUntil,
      sounding: this.isSounding(),
    };
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }

  /** Must run inside a user gesture the first time. Resolves true when audio is running. */
  async unlock(): Promise<boolean> {
    try {
      if (!this.ctx) {
        const Ctor: typeof AudioContext | undefined =
          window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
        if (!Ctor) return false;
        this.ctx = new Ctor();
        this.master = this.ctx.createGain();
        this.master.gain.value = 0.35;
        this.master.connect(this.ctx.destination);
        this.ctx.addEventListener("statechange", () => this.update());
      }
      if (this.ctx.state !== "running") await this.ctx.resume();
    } catch {
      // Not allowed yet (no gesture): the Enable button stays.
    }
    this.update();
    return this.ctx?.state === "running";
  }

  /** Sets whether an alarm is wanted; `newCritical` breaks an active mute. */
  setActive(active: boolean, newCritical = false): void {
    if (newCritical && this.mutedUntil !== null) this.unmute();
    if (this.active === active) return;
    this.active = active;
    this.update();
  }

  mute(durationMs = MUTE_DURATION_MS): void {
    this.mutedUntil = Date.now() + durationMs;
    window.clearTimeout(this.muteTimer);
    this.muteTimer = window.setTimeout(() => this.unmute(), durationMs);
    this.update();
  }

  unmute(): void {
    window.clearTimeout(this.muteTimer);
    this.mutedUntil = null;
    this.update();
  }

  dispose(): void {
    window.clearInterval(this.burstTimer);
    window.clearTimeout(this.muteTimer);
    this.burstTimer = undefined;
    this.active = false;
    this.mutedUntil = null;
    this.listeners.clear();
  }

  private isSounding(): boolean {
    return this.active && this.mutedUntil === null && this.ctx?.state === "running";
  }

  private update(): void {
    const sounding = this.isSounding();
    if (sounding && this.burstTimer === undefined) {
      this.burst();
      this.burstTimer = window.setInterval(() => this.burst(), BURST_INTERVAL_MS);
    } else if (!sounding && this.burstTimer !== undefined) {
      window.clearInterval(this.burstTimer);
      this.burstTimer = undefined;
    }
    const state = this.state;
    for (const listener of this.listeners) listener(state);
  }

  private burst(): void {
    const ctx = this.ctx;
    const out = this.master;
    if (!ctx || !out || ctx.state !== "running") return;
    const start = ctx.currentTime + 0.02;
    for (const tone of TONES) {
      const osc = ctx.createOscillator();
      const env = ctx.createGain();
      osc.type = "square";
      osc.frequency.value = tone.freq;
      // Short attack and release: no clicks, and a square wave cuts through a noisy room.
      const t0 = start + tone.at;
      env.gain.setValueAtTime(0, t0);
      env.gain.linearRampToValueAtTime(0.5, t0 + 0.015);
      env.gain.setValueAtTime(0.5, t0 + tone.dur - 0.03);
      env.gain.linearRampToValueAtTime(0, t0 + tone.dur);
      osc.connect(env).connect(out);
      osc.start(t0);
      osc.stop(t0 + tone.dur + 0.02);
    }
  }
}
