// Two dictionaries, one active language. Signed in, the user's profile (`me.language`) decides; a
// choice made with the switch is saved to the profile by the app and remembered in this browser
// (localStorage) for the sign-in page. Without either, the browser's language.
//
// The sensor vocabulary (device kinds, measurements, alert kinds, rule messages) is not here: its texts come
// with the hub's catalogue (`GET /api/catalog`) and are merged in by `addTexts`, so a new kind needs no
// dashboard change.

import type { Language } from "../api/types";
import { en, type MessageKey } from "./en";
import { zhCN } from "./zh-CN";

export type { MessageKey };

const dictionaries: Record<Language, Record<MessageKey, string>> = { en, "zh-CN": zhCN };
export const LANGUAGES: readonly { code: Language; label: string }[] = [
  { code: "en", label: "English" },
  { code: "zh-CN", label: "简体中文" },
];

/** Texts added at run time (the catalogue's), per language; looked up after the built-in dictionaries. */
const added: Partial<Record<Language, Record<string, string>>> = {};

const STORAGE_KEY = "sc.language";
let current: Language = "en";
const listeners = new Set<(lang: Language) => void>();
const choiceListeners = new Set<(lang: Language) => void>();

export function language(): Language {
  return current;
}

export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const template = dictionaries[current][key] ?? en[key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) =>
    name in params ? String(params[name]) : match,
  );
}

/** Looks a key up that is built at run time (e.g. `alert_kind.${alert.kind}`), or returns null. The built-in
 *  dictionaries first, then the added texts in the current language, then in English. */
export function tMaybe(key: string): string | null {
  if (Object.hasOwn(en, key)) return t(key as MessageKey);
  const own = added[current];
  if (own && Object.hasOwn(own, key)) return own[key] ?? null;
  const fallback = added.en;
  return fallback && Object.hasOwn(fallback, key) ? (fallback[key] ?? null) : null;
}

/** Merges texts that come from the hub (the catalogue's), keyed by language tag; unknown languages are ignored. */
export function addTexts(texts: Readonly<Record<string, Readonly<Record<string, string>>>>): void {
  for (const [tag, entries] of Object.entries(texts)) {
    const lang = LANGUAGES.find((l) => l.code === tag)?.code;
    if (lang) added[lang] = { ...added[lang], ...entries };
  }
}

export function parseLanguage(value: string | null | undefined): Language | null {
  if (!value) return null;
  const lower = value.toLowerCase();
  if (lower.startsWith("zh")) return "zh-CN"; // zh-TW/HK readers are better served by zh-CN than en
  if (lower.startsWith("en")) return "en";
  return null;
}

function stored(): Language | null {
  try {
    return parseLanguage(localStorage.getItem(STORAGE_KEY));
  } catch {
    return null;
  }
}

/** Picks the language at start-up and again once the profile is known. */
export function initLanguage(profileLanguage: Language | null = null): void {
  const fromBrowser = navigator.languages?.map(parseLanguage).find((l) => l !== null) ?? null;
  apply(profileLanguage ?? stored() ?? fromBrowser ?? parseLanguage(navigator.language) ?? "en");
}

/** An explicit choice by the user: remembered in this browser. */
export function chooseLanguage(lang: Language): void {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // private mode: the choice lasts for this page only
  }
  apply(lang);
  for (const listener of choiceListeners) listener(lang);
}

/** Explicit choices only (the switch), not the language picked at start-up. */
export function onLanguageChosen(listener: (lang: Language) => void): () => void {
  choiceListeners.add(listener);
  return () => choiceListeners.delete(listener);
}

export function onLanguageChange(listener: (lang: Language) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function apply(lang: Language): void {
  const changed = lang !== current;
  current = lang;
  document.documentElement.lang = lang;
  if (changed) for (const listener of listeners) listener(lang);
}
