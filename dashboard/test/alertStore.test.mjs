import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AlertStore, compareAlerts } from "../src/state/alertStore.ts";

let nextId = 1;
function alert(overrides = {}) {
  return {
    id: nextId++,
    kind: "sos",
    severity: "critical",
    status: "raised",
    deviceId: "dev-1",
    residentId: 1,
    residentName: "Wang",
    householdLabel: "B3-401",
    gridId: 1,
    gridName: "North",
    communityId: 1,
    message: "",
    raisedAt: "2026-01-01T10:00:00Z",
    lastSeenAt: "2026-01-01T10:00:00Z",
    occurrences: 1,
    acknowledgedBy: null,
    acknowledgedAt: null,
    resolvedBy: null,
    resolvedAt: null,
    outcome: null,
    version: 1,
    ...overrides,
  };
}
const ids = (store) => store.sorted().map((a) => a.id);

describe("AlertStore", () => {
  test("ApplySnapshot_CutAtPageSize_KeepsOlderAlertsThatDidNotFit", () => {
    const store = new AlertStore();
    const [older, lowest, gone, kept] = [alert(), alert(), alert(), alert()];
    store.applySnapshot(store.beginSnapshot(), [kept, gone, lowest, older]);
    // A page cut at the hub's limit: newest ids down to "lowest"; "gone" is missing inside that range.
    store.applySnapshot(store.beginSnapshot(), [alert(), kept, lowest], false);
    assert.ok(store.get(older.id), "older than the page: kept");
    assert.equal(store.get(gone.id), undefined, "inside the page and missing: removed");
    assert.equal(store.size, 4);
  });

  test("Upsert_OlderVersion_IsIgnored", () => {
    const store = new AlertStore();
    const a = alert({ version: 3, status: "acknowledged" });
    store.upsert(a);
    store.upsert({ ...a, version: 2, status: "raised" });
    assert.equal(store.get(a.id).status, "acknowledged");
  });

  test("Upsert_Resolved_LeavesOpenSetAndIsNotResurrectedByOlderSnapshot", () => {
    const store = new AlertStore();
    const a = alert();
    const token = store.beginSnapshot();
    store.upsert(a);
    store.upsert({ ...a, version: 2, status: "resolved" });
    assert.deepEqual(ids(store), []);
    store.applySnapshot(token, [a]); // snapshot taken before the resolve
    assert.deepEqual(ids(store), []);
  });

  test("Snapshot_RemovesAlertsItNoLongerLists", () => {
    const store = new AlertStore();
    const a = alert();
    const b = alert();
    store.applySnapshot(store.beginSnapshot(), [a, b]);
    store.applySnapshot(store.beginSnapshot(), [b]); // a resolved while we were offline
    assert.deepEqual(ids(store), [b.id]);
  });

  test("Snapshot_KeepsAlertPushedAfterItWasRequested", () => {
    const store = new AlertStore();
    const token = store.beginSnapshot();
    const pushed = alert();
    store.upsert(pushed); // raised after the server built the list
    store.applySnapshot(token, []);
    assert.deepEqual(ids(store), [pushed.id]);
  });

  test("Snapshot_MergesWithoutDuplicates", () => {
    const store = new AlertStore();
    const a = alert();
    store.upsert(a);
    store.applySnapshot(store.beginSnapshot(), [a, { ...a }]);
    assert.equal(store.size, 1);
  });

  test("Change_ReportsAddedUpdatedRemoved", () => {
    const store = new AlertStore();
    const changes = [];
    store.subscribe((c) => changes.push(c));
    const a = alert();
    store.upsert(a);
    store.upsert({ ...a, version: 2, status: "acknowledged" });
    store.upsert({ ...a, version: 3, status: "resolved" });
    assert.deepEqual(
      changes.map((c) => [c.added.length, c.updated.length, c.removed.length]),
      [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
    );
    assert.equal(changes[1].updated[0].before.status, "raised");
  });

  test("Sort_SeverityThenOldestFirst", () => {
    const info = alert({ severity: "info", raisedAt: "2026-01-01T08:00:00Z" });
    const newCritical = alert({ severity: "critical", raisedAt: "2026-01-01T10:05:00Z" });
    const oldCritical = alert({ severity: "critical", raisedAt: "2026-01-01T09:00:00Z" });
    const high = alert({ severity: "high", raisedAt: "2026-01-01T07:00:00Z" });
    const sorted = [info, newCritical, oldCritical, high].sort(compareAlerts).map((a) => a.id);
    assert.deepEqual(sorted, [oldCritical.id, newCritical.id, high.id, info.id]);
  });
});
