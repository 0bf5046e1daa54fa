import assert from "node:assert/strict";
import { test } from "node:test";
import { parseLanguage } from "../src/i18n/index.ts";
import { formatAge, formatCountdown, kindLabel } from "../src/ui/format.ts";

const now = Date.parse("2026-01-01T12:00:00Z");
const before = (ms) => new Date(now - ms).toISOString();

test("FormatAge_CoversMinutesHoursDays", () => {
  assert.equal(formatAge(before(20_000), now), "just now");
  assert.equal(formatAge(before(3 * 60_000), now), "3 min ago");
  assert.equal(formatAge(before(125 * 60_000), now), "2 h 5 min ago");
  assert.equal(formatAge(before(27 * 3_600_000), now), "1 d 3 h ago");
});

test("KindLabel_WithoutCatalogue_IsHumanized", () => {
  // The catalogue's labels: catalog.test.mjs.
  assert.equal(kindLabel("water_leak"), "Water leak");
  assert.equal(kindLabel("carbon_monoxide"), "Carbon monoxide");
});

test("ParseLanguage_MapsBrowserTags", () => {
  assert.equal(parseLanguage("zh-Hans-CN"), "zh-CN");
  assert.equal(parseLanguage("zh-TW"), "zh-CN");
  assert.equal(parseLanguage("en-GB"), "en");
  assert.equal(parseLanguage("fr"), null);
});

test("FormatCountdown_MinutesAndSeconds", () => {
  assert.equal(formatCountdown(299_001), "5:00");
  assert.equal(formatCountdown(61_000), "1:01");
});
