import assert from "node:assert/strict";
import { test } from "node:test";
import { tickLabels } from "../src/ui/chartScale.ts";

test("TickLabels_FloatingPointTicks_KeepEveryLeadingDigit", () => {
  // What uPlot hands over for a gas series at 122–125 ppm: the labels once read "2–5 ppm" when cut to the axis.
  assert.deepEqual(tickLabels([122, 122.5, 123, 123.50000000000001, 124], "ppm"), ["122.0 ppm", "122.5 ppm", "123.0 ppm", "123.5 ppm", "124.0 ppm"]);
  assert.deepEqual(tickLabels([100, 200, 300], "ppm"), ["100 ppm", "200 ppm", "300 ppm"]);
  assert.deepEqual(tickLabels([21.2, 21.4, 21.599999999999998], "°C"), ["21.2°C", "21.4°C", "21.6°C"]);
  assert.deepEqual(tickLabels([7], ""), ["7"]);
});
