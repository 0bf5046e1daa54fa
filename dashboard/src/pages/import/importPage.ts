// Admins onboard a community from files: choose what to import, download its template, upload the
// filled-in CSV or XLSX, read the dry run's problems (line, column, reason), fix and upload again,
// then apply. Device secrets and first passwords come back once, as files to download right away.

import { ApiError } from "../../api/http";
import { IMPORT_KINDS, importFile, templateUrl, type ImportCredentials, type ImportKind, type ImportReport } from "../../api/onboarding";
import type { AppContext, View } from "../../context";
import { t, type MessageKey } from "../../i18n";
import { h, setAttr, setText, uid } from "../../ui/dom";

export function importPage(_ctx: AppContext): View {
  const kindId = uid("imp-kind");
  const fileId = uid("imp-file");
  const kind = h("select", { id: kindId, class: "select", "data-testid": "import-kind" },
    ...IMPORT_KINDS.map((k) => h("option", { value: k }, t(`import.kind.${k}` as MessageKey))));
  const csvLink = h("a", { class: "btn", "data-testid": "import-template-csv", download: "" }, t("import.templateCsv"));
  const xlsxLink = h("a", { class: "btn", "data-testid": "import-template-xlsx", download: "" }, t("import.templateXlsx"));
  const file = h("input", { id: fileId, type: "file", class: "input", accept: ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "data-testid": "import-file" });
  const check = h("button", { type: "submit", class: "btn btn--primary", "data-testid": "import-check" }, t("import.check"));
  const apply = h("button", { type: "button", class: "btn btn--primary", hidden: true, "data-testid": "import-apply" }, t("import.apply"));
  const status = h("p", { class: "import__status", role: "status", "aria-live": "polite", "data-testid": "import-status" });
  const result = h("div", { class: "import__result" });

  const templates = (): void => {
    const k = kind.value as ImportKind;
    csvLink.href = templateUrl(k, "csv");
    xlsxLink.href = templateUrl(k, "xlsx");
  };
  templates();

  // The dry run that came back clean, for exactly this kind and file: only then may it be applied.
  let checked: { kind: ImportKind; file: File } | null = null;
  let busy = false;
  const reset = (): void => {
    checked = null;
    apply.hidden = true;
  };
  kind.addEventListener("change", () => {
    templates();
    reset();
    result.replaceChildren();
    setText(status, "");
  });
  file.addEventListener("change", reset);

  const form = h(
    "form",
    { class: "import__form", "aria-labelledby": "import-heading" },
    h("h2", { id: "import-heading", class: "panel__title" }, t("import.formHeading")),
    h("div", { class: "regform__fields" },
      h("div", { class: "field" }, h("label", { for: kindId, class: "label" }, t("import.kind")), kind),
      h("div", { class: "field" }, h("span", { class: "label" }, t("import.template")), h("div", { class: "import__templates" }, csvLink, xlsxLink)),
      h("div", { class: "field" }, h("label", { for: fileId, class: "label" }, t("import.file")), file, h("p", { class: "hint" }, t("import.fileHint"))),
    ),
    h("div", { class: "import__actions" }, check, apply),
    status,
  );

  async function run(dryRun: boolean): Promise<void> {
    const chosen = file.files?.[0];
    if (!chosen) {
      setText(status, t("import.noFile"));
      file.focus();
      return;
    }
    const k = kind.value as ImportKind;
    busy = true;
    setAttr(check, "aria-disabled", "true");
    setAttr(apply, "aria-disabled", "true");
    setText(status, t(dryRun ? "import.checking" : "import.applying"));
    try {
      const report = await importFile(k, chosen, dryRun);
      show(report);
      checked = dryRun && report.problems.length === 0 ? { kind: k, file: chosen } : null;
      apply.hidden = checked === null;
    } catch (e) {
      reset();
      result.replaceChildren();
      setText(status, failure(e));
    } finally {
      busy = false;
      setAttr(check, "aria-disabled", null);
      setAttr(apply, "aria-disabled", null);
    }
  }

  function show(report: ImportReport): void {
    const counts = { rows: report.rows, created: report.created, updated: report.updated, unchanged: report.unchanged, count: report.problems.length };
    if (report.problems.length > 0) {
      setText(status, t("import.problems", counts));
      result.replaceChildren(problemTable(report));
      return;
    }
    if (!report.applied) {
      setText(status, t("import.clean", counts));
      result.replaceChildren();
      return;
    }
    setText(status, t("import.applied", counts));
    result.replaceChildren(...(report.credentials ? [credentialsBox(report.credentials)] : []));
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!busy) void run(true);
  });
  apply.addEventListener("click", () => {
    if (!busy && checked && checked.file === file.files?.[0] && checked.kind === kind.value) void run(false);
  });

  const element = h(
    "div",
    { class: "page import", "data-testid": "import-page" },
    h("header", { class: "page__head" }, h("h1", { class: "page__title", tabindex: "-1" }, t("import.heading"))),
    h("p", { class: "hint" }, t("import.intro")),
    h("section", { class: "panel" }, form),
    h("section", { class: "panel", "aria-label": t("import.resultLabel") }, result),
  );
  const urls: string[] = [];
  function credentialsBox(c: ImportCredentials): HTMLElement {
    const link = (text: string, content: string, type: string, name: string, testid: string): HTMLAnchorElement => {
      const url = URL.createObjectURL(new Blob([content], { type }));
      urls.push(url);
      return h("a", { class: "btn btn--primary", href: url, download: name, "data-testid": testid }, text);
    };
    return h(
      "div",
      { class: "import__credentials", role: "alert", "data-testid": "import-credentials" },
      h("p", {}, t("import.credentialsOnce")),
      link(t(c.html ? "import.downloadCsv" : "import.downloadPasswords"), c.csv, "text/csv", c.csvFileName, "import-download-csv"),
      c.html && c.htmlFileName ? link(t("import.downloadQr"), c.html, "text/html", c.htmlFileName, "import-download-qr") : null,
    );
  }
  return { element, dispose: () => urls.forEach((u) => URL.revokeObjectURL(u)) };
}

function problemTable(report: ImportReport): HTMLElement {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "table import__problems", "data-testid": "import-problems" },
      h("caption", {}, t("import.problemsCaption", { count: report.problems.length })),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("import.col.line")), h("th", { scope: "col" }, t("import.col.column")), h("th", { scope: "col" }, t("import.col.reason")))),
      h("tbody", {}, ...report.problems.map((p) =>
        h("tr", { "data-testid": "import-problem", "data-code": p.code },
          h("td", { "data-label": t("import.col.line") }, String(p.line)),
          h("td", { "data-label": t("import.col.column") }, p.column),
          h("td", { "data-label": t("import.col.reason") }, p.message)))),
    ),
  );
}

function failure(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.isNetwork) return t("card.offline");
    return t("import.failed", { detail: error.detail ?? String(error.status) });
  }
  return t("import.failed", { detail: "?" });
}
