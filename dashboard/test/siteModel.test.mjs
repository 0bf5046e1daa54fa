import assert from "node:assert/strict";
import { test } from "node:test";
import { buildingOf, siteModel } from "../src/map/siteModel.ts";
import { timelineFromAlert } from "../src/ui/timeline.ts";

const grids = [
  { id: 1, communityId: 1, name: "Grid A" },
  { id: 2, communityId: 1, name: "Grid B" },
];
const resident = (id, gridId, address) => ({ id, name: `R${id}`, birthYear: null, specialDifficulty: false, householdId: id, householdAddress: address, gridId, gridName: null, communityId: 1 });
const alert = (id, gridId, householdLabel, severity, status) => ({
  id, kind: "sos", severity, status, deviceId: "d", residentId: null, residentName: null, householdLabel, gridId, gridName: null, communityId: 1,
  message: "", raisedAt: "2026-01-01T00:00:00Z", lastSeenAt: "2026-01-01T00:00:00Z", occurrences: 1, acknowledgedBy: null, acknowledgedAt: null,
  resolvedBy: null, resolvedAt: null, outcome: null, version: 1,
});

test("BuildingOf_TakesThePartBeforeTheComma", () => {
  assert.equal(buildingOf("Bldg 1, Flat 101"), "Bldg 1");
  assert.equal(buildingOf("3号楼 2单元 301"), "3号楼");
  assert.equal(buildingOf("Old mill"), "Old mill");
  assert.equal(buildingOf(null), null);
});

test("SiteModel_WorstOpenAlertColoursGridAndBuilding", () => {
  const residents = [resident(1, 1, "Bldg 1, Flat 101"), resident(2, 1, "Bldg 2, Flat 5"), resident(3, 2, "Bldg 9, Flat 909")];
  const model = siteModel(grids, residents, [
    alert(10, 1, "Bldg 1, Flat 101", "critical", "raised"),
    alert(11, 1, "Bldg 2, Flat 5", "critical", "acknowledged"),
    alert(12, 2, "Bldg 9, Flat 909", "warning", "resolved"),
  ]);
  const [a, b] = model;
  assert.deepEqual([a.state, a.open], ["alarm", 2]);
  assert.deepEqual(a.buildings.map((x) => [x.name, x.state]), [["Bldg 1", "alarm"], ["Bldg 2", "open"]]);
  assert.deepEqual([b.state, b.open, b.buildings[0].state], ["ok", 0, "ok"]);
});

test("SiteModel_AlertOutsideKnownGrids_IsIgnored", () => {
  const model = siteModel(grids, [], [alert(1, 99, "X", "critical", "raised")]);
  assert.ok(model.every((g) => g.state === "ok"));
});

test("TimelineFromAlert_ListsEveryStepInOrder", () => {
  const a = { ...alert(1, 1, "x", "critical", "resolved"), acknowledgedAt: "2026-01-01T00:01:00Z", acknowledgedBy: "s", dispatchedAt: "2026-01-01T00:02:00Z", assignedTo: "w", resolvedAt: "2026-01-01T00:09:00Z", resolvedBy: "s", outcome: "false_alarm" };
  assert.deepEqual(timelineFromAlert(a).map((e) => e.kind), ["raised", "acknowledged", "dispatched", "resolved"]);
});
