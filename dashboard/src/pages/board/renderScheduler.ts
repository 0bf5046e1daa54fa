// Bursts (dozens of pushes a second) are painted once per frame, not once per message. A frame
// may not come soon on a starved machine (or in a hidden tab), so a timer backs it up. A caller
// may ask for a gap between renders: on a large board each pass walks every card, and rendering
// at frame rate would starve the main thread of the very messages it is rendering.

const RENDER_LATEST_MS = 100;

export interface RenderScheduler {
  /** Asks for a render; many asks before it runs make one render. */
  schedule(): void;
  dispose(): void;
}

/** `gap`: the least time, in ms, from one render to the next (asked at every schedule). */
export function renderScheduler(render: () => void, gap: () => number): RenderScheduler {
  let scheduled = false;
  let disposed = false;
  let frame = 0;
  let timer: number | undefined;
  let lastRender = 0;

  const run = (): void => {
    if (!scheduled) return;
    scheduled = false;
    cancelAnimationFrame(frame);
    window.clearTimeout(timer);
    lastRender = performance.now();
    if (!disposed) render();
  };

  return {
    schedule() {
      if (scheduled) return;
      scheduled = true;
      const wait = lastRender + gap() - performance.now();
      if (wait > 0) {
        timer = window.setTimeout(run, wait);
        return;
      }
      frame = requestAnimationFrame(run);
      timer = window.setTimeout(run, RENDER_LATEST_MS);
    },
    dispose() {
      disposed = true;
      cancelAnimationFrame(frame);
      window.clearTimeout(timer);
    },
  };
}
