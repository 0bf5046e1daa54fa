import { request } from "./http";

export const IMPORT_KINDS = ["households", "residents", "users", "devices"] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export interface ImportProblem {
  line: number;
  column: string;
  code: string;
  /** In the language the dashboard asked for (Accept-Language). */
  message: string;
}

export interface ImportCredentials {
  csvFileName: string;
  csv: string;
  htmlFileName: string | null;
  html: string | null;
}

export interface ImportReport {
  kind: ImportKind;
  dryRun: boolean;
  applied: boolean;
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  problems: ImportProblem[];
  /** Device secrets or first passwords: in this answer only, never again. */
  credentials: ImportCredentials | null;
}

export function templateUrl(kind: ImportKind, format: "csv" | "xlsx"): string {
  return `/api/onboarding/templates/${kind}.${format}`;
}

/** Checks (dryRun) or applies a CSV or XLSX file; the hub applies nothing while any row has a problem. */
export function importFile(kind: ImportKind, file: File, dryRun: boolean): Promise<ImportReport> {
  const body = new FormData();
  body.append("file", file, file.name);
  return request<ImportReport>("POST", `/api/onboarding/${kind}?dryRun=${dryRun}`, { body });
}
