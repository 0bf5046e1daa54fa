// Axis labels for the charts, kept apart from uPlot (which needs a browser) so they can be tested alone.

import { withUnit } from "./readings";

/** Tick values with as many decimals as their spacing needs: a tick at 122.30000000000001 reads "122.3", 125 "125". */
export function tickLabels(ticks: readonly number[], unit: string): string[] {
  const spacing = ticks.length > 1 ? Math.abs((ticks[1] ?? 0) - (ticks[0] ?? 0)) : 1;
  const decimals = spacing > 0 ? Math.min(3, Math.max(0, -Math.floor(Math.log10(spacing) + 1e-9))) : 0;
  return ticks.map((n) => withUnit(n.toFixed(decimals), unit));
}
