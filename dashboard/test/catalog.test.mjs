// The dashboard's labels, units, precision, charts and icons come from the hub's catalogue
// (`GET /api/catalog`). The catalogue here is shaped like the hub's, with a kind the dashboard has
// never heard of (a radon sensor): it must show without any change to the dashboard.
import assert from "node:assert/strict";
import { test } from "node:test";
import { chooseLanguage } from "../src/i18n/index.ts";
import { catalog, useCatalog } from "../src/state/catalog.ts";
import { deviceIconName, deviceKindLabel, kindLabel, alertIconName } from "../src/ui/format.ts";
import { deviceHealth, isCharted, readingLabel, readingUnit, readingValue, unitSymbol } from "../src/ui/readings.ts";

// i18n writes the page's lang attribute; Node has no page.
globalThis.document ??= { documentElement: {} };

const kind = (kind, icon, measurements, lowBatteryPercent = 20) => ({
  kind, label: `device_kind.${kind}`, icon, heartbeatSeconds: 300, lowBatteryPercent, lifeSafety: true, measurements, button: [],
});
const measurement = (name, unit, type, precision, channel = "up") => ({
  name, label: `measurement.${name}`, unit, type, min: 0, max: 100, precision, urgency: "routine", channel,
});
const alertKind = (kind, severity, icon) => ({
  kind, label: `alert_kind.${kind}`, severity, source: "device", icon, preAlarmSeconds: null, forFamily: true,
});

const dto = {
  deviceKinds: [kind("sos", "pendant", ["sos", "test"]), kind("co", "co", ["co", "test"], 30), kind("radon", "radon-cloud", ["radon", "test"], 25)],
  measurements: [
    measurement("sos", null, "bool", 0),
    measurement("temp", "Cel", "number", 2),
    measurement("hum", "%RH", "number", 1),
    measurement("co", "ppm", "number", 0),
    measurement("radon", "Bq/m3", "number", 0),
    measurement("bat", "%EL", "number", 0, "status"),
    measurement("motion", "count", "number", 0),
    measurement("fw", null, "string", 0, "status"),
  ],
  alertKinds: [alertKind("sos", "critical", "pendant"), alertKind("carbon_monoxide", "critical", "co"), alertKind("radon_high", "warning", "radon-cloud")],
  rules: [],
  texts: {
    en: {
      "device_kind.sos": "SOS pendant", "device_kind.co": "Carbon monoxide detector", "device_kind.radon": "Radon sensor",
      "measurement.temp": "Temperature", "measurement.co": "Carbon monoxide", "measurement.radon": "Radon",
      "alert_kind.sos": "SOS call", "alert_kind.carbon_monoxide": "Carbon monoxide", "alert_kind.radon_high": "Radon too high",
    },
    "zh-CN": {
      "device_kind.sos": "紧急呼叫器", "device_kind.co": "一氧化碳探测器",
      "measurement.temp": "温度", "measurement.co": "一氧化碳",
      "alert_kind.sos": "紧急呼叫", "alert_kind.carbon_monoxide": "一氧化碳",
    },
    fr: { "alert_kind.sos": "Appel SOS" },
  },
};

test("Labels_BeforeTheCatalogueArrives_AreReadableCodes", () => {
  assert.equal(catalog(), null);
  assert.equal(kindLabel("carbon_monoxide"), "Carbon monoxide");
  assert.equal(deviceKindLabel("co"), "Co");
  assert.equal(readingValue("temp", 21.456), "21.46");
  assert.equal(isCharted("temp"), false);
  assert.equal(alertIconName("sos"), null);
});

test("Labels_FromTheCatalogue_InTheCurrentLanguage_EnglishWhereATextIsMissing", () => {
  useCatalog(dto);
  chooseLanguage("en");
  assert.equal(kindLabel("sos"), "SOS call");
  assert.equal(deviceKindLabel("co"), "Carbon monoxide detector");
  assert.equal(readingLabel("co"), "Carbon monoxide");
  assert.equal(kindLabel("radon_high"), "Radon too high");
  chooseLanguage("zh-CN");
  assert.equal(kindLabel("carbon_monoxide"), "一氧化碳");
  assert.equal(deviceKindLabel("co"), "一氧化碳探测器");
  assert.equal(readingLabel("temp"), "温度");
  // A kind without a Chinese text yet: the English one, never a raw key.
  assert.equal(deviceKindLabel("radon"), "Radon sensor");
  // A kind the catalogue does not know at all stays readable.
  assert.equal(kindLabel("toaster_fire"), "Toaster fire");
  chooseLanguage("en");
});

test("ReadingValue_PrecisionAndUnitFromTheCatalogue", () => {
  useCatalog(dto);
  chooseLanguage("en");
  assert.equal(readingValue("temp", 21.456), "21.46°C");
  assert.equal(readingValue("hum", 48.04), "48.0%");
  assert.equal(readingValue("co", 112.4), "112 ppm");
  assert.equal(readingValue("radon", 310.2), "310 Bq/m3");
  assert.equal(readingValue("motion", 7), "7");
  assert.equal(readingValue("sos", 1), "yes");
  assert.equal(readingValue("sos", 0), "no");
  chooseLanguage("zh-CN");
  assert.equal(readingValue("sos", 1), "是");
  chooseLanguage("en");
  assert.equal(readingValue("custom", 1.5), "1.5");
});

test("Units_SenmlNamesShownAsPeopleWriteThem", () => {
  assert.equal(unitSymbol("Cel"), "°C");
  assert.equal(unitSymbol("%RH"), "%");
  assert.equal(unitSymbol("%EL"), "%");
  assert.equal(unitSymbol("count"), "");
  assert.equal(unitSymbol("ppm"), "ppm");
  assert.equal(unitSymbol(null), "");
  useCatalog(dto);
  assert.equal(readingUnit("temp"), "°C");
  assert.equal(readingUnit("sos"), "");
});

test("Charts_NumericReadingsOnly_NotEventsOrDeviceHealth", () => {
  useCatalog(dto);
  assert.deepEqual(
    dto.measurements.map((m) => m.name).filter(isCharted),
    ["temp", "hum", "co", "radon", "motion"],
  );
  assert.equal(isCharted("unknown"), false);
});

test("Icons_FromTheCatalogue_ForDeviceAndAlertKinds", () => {
  useCatalog(dto);
  assert.equal(alertIconName("carbon_monoxide"), "co");
  assert.equal(deviceIconName("sos"), "pendant");
  assert.equal(deviceIconName("radon"), "radon-cloud");
  assert.equal(alertIconName("unknown"), null);
});

test("DeviceHealth_LowBatteryAtTheKindsThreshold", () => {
  useCatalog(dto);
  const device = (kind, battery) => ({ kind, online: true, battery, rssi: -60, revoked: false });
  // The CO detector warns at 30 %, like the hub's low-battery alert for it; the pendant at 20 %.
  assert.equal(deviceHealth(device("co", 25)), "battery");
  assert.equal(deviceHealth(device("sos", 25)), "ok");
  assert.equal(deviceHealth(device("sos", 19)), "battery");
  assert.equal(deviceHealth(device("unknown", 19)), "battery");
  assert.equal(deviceHealth({ ...device("co", 5), online: false }), "offline");
  assert.equal(deviceHealth({ ...device("co", 80), rssi: -120 }), "signal");
});
