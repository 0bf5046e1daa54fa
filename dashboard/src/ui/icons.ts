// Stroke icons (24×24 grid), drawn for this app. Decorative: labels always carry the meaning.
//
// Two sets. The app's own controls (`IconName`), and the sensor artwork keyed by the icon names the hub's
// catalogue gives each device kind and alert kind (`GET /api/catalog`: "pendant", "smoke", "co"…). The
// artwork is not a list of kinds: a new kind reuses a name here, and a name without artwork gets the
// generic sensor icon until someone draws it.
import { icon } from "./dom";

const paths = {
  bell: ["M6 16V11a6 6 0 0 1 12 0v5l1.5 2h-15z", "M10 20.5a2 2 0 0 0 4 0"],
  check: ["M5 12.5l4.5 4.5L19 7.5"],
  soundOn: ["M4 9.5h3.5L12 6v12l-4.5-3.5H4z", "M15.5 9a4.5 4.5 0 0 1 0 6", "M18 6.5a8 8 0 0 1 0 11"],
  soundOff: ["M4 9.5h3.5L12 6v12l-4.5-3.5H4z", "M16 9.5l5 5", "M21 9.5l-5 5"],
  signOut: ["M14 4h5v16h-5", "M10 16l-4-4 4-4", "M6 12h10"],
  globe: ["M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z", "M3 12h18", "M12 3c2.5 2.6 3.7 5.6 3.7 9s-1.2 6.4-3.7 9c-2.5-2.6-3.7-5.6-3.7-9s1.2-6.4 3.7-9z"],
  person: ["M12 4a4 4 0 1 0 0 8a4 4 0 1 0 0-8z", "M4.5 20.5c1.2-3.8 4-5.5 7.5-5.5s6.3 1.7 7.5 5.5"],
  home: ["M4 11l8-7 8 7", "M6 9.5V20h12V9.5", "M10 20v-5h4v5"],
  grid: ["M4 4h7v7H4z", "M13 4h7v7h-7z", "M4 13h7v7H4z", "M13 13h7v7h-7z"],
  chip: ["M7 7h10v10H7z", "M10 10h4v4h-4z", "M9 3v4", "M15 3v4", "M9 17v4", "M15 17v4", "M3 9h4", "M3 15h4", "M17 9h4", "M17 15h4"],
  clock: ["M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z", "M12 7v5l3.5 2"],
  repeat: ["M4 11V9a3 3 0 0 1 3-3h12", "M16 3l3 3-3 3", "M20 13v2a3 3 0 0 1-3 3H5", "M8 21l-3-3 3-3"],
  warning: ["M12 3.5l9.5 16.5h-19z", "M12 10v4.5", "M12 17.2v.3"],
  shield: ["M12 3l7.5 3v5.5c0 4.5-3.2 8.2-7.5 9.5-4.3-1.3-7.5-5-7.5-9.5V6z", "M8.5 12l2.5 2.5 4.5-5"],
  userCheck: ["M9 4a3.5 3.5 0 1 0 0 7a3.5 3.5 0 1 0 0-7z", "M2.5 20c1-3.5 3.5-5 6.5-5s5.5 1.5 6.5 5", "M15 11.5l2 2 4-4"],
  message: ["M4 5h16v11H9l-5 4z"],
  close: ["M6 6l12 12", "M18 6L6 18"],
};

export type IconName = keyof typeof paths;

/** Sensor artwork by the catalogue's icon names. */
const artwork: Readonly<Record<string, readonly string[]>> = {
  pendant: ["M8 3l4 5 4-5", "M12 8a5.5 5.5 0 1 0 0 11a5.5 5.5 0 1 0 0-11z", "M12 11.5a2 2 0 1 0 0 4a2 2 0 1 0 0-4z"],
  wearable: ["M9 3h6l1 4H8z", "M8 17l1 4h6l1-4", "M9 7h6a2 2 0 0 1 2 2v6a2 2 0 0 1-2 2H9a2 2 0 0 1-2-2V9a2 2 0 0 1 2-2z", "M12 9.5V12l1.5 1.5"],
  smoke: ["M5 4h14v2.5c0 1.9-3.1 3.5-7 3.5S5 8.4 5 6.5z", "M8 13c1.5 1-1.5 2 0 3s-1.5 2 0 3", "M12 12.5c1.5 1-1.5 2 0 3s-1.5 2 0 3", "M16 13c1.5 1-1.5 2 0 3s-1.5 2 0 3"],
  thermometer: ["M10 4.5a2 2 0 0 1 4 0v9a4 4 0 1 1-4 0z", "M12 9v7.5"],
  motion: ["M14 3.5a1.5 1.5 0 1 0 0 3a1.5 1.5 0 1 0 0-3z", "M13 8.5l-3 3.5 3 3-1 5", "M9 10l3-1.5 3 3h3", "M10 12l-3 3H4"],
  door: ["M4 21h16", "M7 21V3h10v18", "M14 12v.5"],
  drop: ["M12 3c3.5 4.5 6 7.6 6 11a6 6 0 0 1-12 0c0-3.4 2.5-6.5 6-11z"],
  co: ["M7 18a4 4 0 0 1-.5-8 5.5 5.5 0 0 1 10.6-1.5A4 4 0 0 1 17 18z", "M10.8 12.3a1.6 1.6 0 1 0 0 2.4", "M14.3 11.9a1.5 1.5 0 1 0 0 3a1.5 1.5 0 1 0 0-3z"],
  flame: ["M12 3c1 3.5 5 5.5 5 10a5 5 0 0 1-10 0c0-2.5 1.5-4 2.5-5 .3 2 1.2 3 2.5 3.5C11 9 11 6 12 3z"],
  fall: ["M17 4.5a1.5 1.5 0 1 0 0 3a1.5 1.5 0 1 0 0-3z", "M15 9.5l-5 3.5", "M10 13l-4.5-1", "M10 13l1.5 5", "M14.5 10l2 3", "M3 21h18"],
  offline: ["M5 10a10 10 0 0 1 14 0", "M8 13.5a6 6 0 0 1 8 0", "M12 17.5v.5", "M4 4l16 16"],
  test: ["M9 3h6", "M10 3v6l-5 9a2 2 0 0 0 1.7 3h10.6a2 2 0 0 0 1.7-3l-5-9V3", "M7.5 15h9"],
  battery: ["M3 8h15v8H3z", "M18 10.5h2v3h-2", "M5.5 10.5v3"],
  chart: ["M4 4v16h16", "M7 15l4-4 3 3 5-6"],
  clock: paths.clock,
  sensor: ["M10 12a2 2 0 1 0 4 0a2 2 0 1 0-4 0z", "M8.5 8.5a5 5 0 0 0 0 7", "M15.5 8.5a5 5 0 0 1 0 7", "M5.6 5.6a9 9 0 0 0 0 12.8", "M18.4 5.6a9 9 0 0 1 0 12.8"],
};

/** The icon for names without artwork. */
export const GENERIC_ICON = "sensor";

export function iconEl(name: IconName, className = "icon"): SVGSVGElement {
  return icon(paths[name], className);
}

/** Whether there is artwork for a catalogue icon name. */
export function hasArtwork(name: string): boolean {
  return Object.hasOwn(artwork, name);
}

/** Sensor artwork for a catalogue icon name; the generic sensor icon for a name nobody has drawn yet. */
export function artworkEl(name: string | null | undefined, className = "icon"): SVGSVGElement {
  const d = (name && Object.hasOwn(artwork, name) ? artwork[name] : undefined) ?? artwork[GENERIC_ICON] ?? [];
  const svg = icon([...d], className);
  svg.dataset.icon = name && hasArtwork(name) ? name : GENERIC_ICON;
  return svg;
}
