// Sign-in: email and password → cookie session → who am I.

import type { View } from "../../context";
import { gatewayLogin, getMe, login } from "../../api/auth";
import { ApiError } from "../../api/http";
import type { GatewaySession, Me } from "../../api/types";
import { t, type MessageKey } from "../../i18n";
import { h, setText } from "../../ui/dom";
import { iconEl } from "../../ui/icons";
import { languageSelect } from "../../ui/languageSelect";

export interface LoginOptions {
  /** A message to show on arrival (e.g. the session expired). */
  notice: MessageKey | null;
  /** At a community gateway: the person's name and the duty room's password instead of an account. */
  gateway?: GatewaySession | null;
  onSignedIn(me: Me): void | Promise<void>;
}

export function loginPage(options: LoginOptions): View {
  const gateway = options.gateway ?? null;
  const email = gateway
    ? h("input", { id: "login-email", name: "name", type: "text", autocomplete: "name", required: true, maxlength: "64", class: "input", "data-testid": "login-name" })
    : h("input", {
        id: "login-email",
        name: "email",
        type: "email",
        autocomplete: "username",
        required: true,
        class: "input",
        "data-testid": "login-email",
      });
  const password = h("input", {
    id: "login-password",
    name: "password",
    type: "password",
    autocomplete: "current-password",
    required: true,
    class: "input",
    "data-testid": "login-password",
  });
  const error = h("p", { id: "login-error", class: "form-error", role: "alert", "data-testid": "login-error", hidden: true });
  const submitLabel = h("span", {}, t("login.submit"));
  const submit = h("button", { type: "submit", class: "btn btn--primary btn--block", "data-testid": "login-submit" }, submitLabel);
  const noticeKey = options.notice ?? (gateway && !gateway.board ? "gateway.boardOff" : null);
  const notice = noticeKey ? h("p", { class: "form-notice", role: "status" }, t(noticeKey)) : null;

  const showError = (text: string | null): void => {
    error.hidden = text === null;
    setText(error, text ?? "");
    const invalid = text === null ? "false" : "true";
    email.setAttribute("aria-invalid", invalid);
    password.setAttribute("aria-invalid", invalid);
    if (text !== null) email.setAttribute("aria-describedby", "login-error");
    else email.removeAttribute("aria-describedby");
  };

  let busy = false;
  const form = h(
    "form",
    { class: "login__form", novalidate: false, "aria-labelledby": "login-title" },
    h("div", { class: "field" }, h("label", { for: "login-email", class: "label" }, t(gateway ? "gateway.loginName" : "login.email")), email),
    h("div", { class: "field" }, h("label", { for: "login-password", class: "label" }, t(gateway ? "gateway.loginPassword" : "login.password")), password),
    error,
    submit,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (busy) return;
    void signIn();
  });

  async function signIn(): Promise<void> {
    busy = true;
    submit.disabled = true;
    setText(submitLabel, t("login.submitting"));
    showError(null);
    try {
      if (gateway) await gatewayLogin(email.value.trim(), password.value);
      else await login(email.value.trim(), password.value);
      const me = await getMe();
      await options.onSignedIn(me);
      return;
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 400)) showError(t(gateway ? "gateway.loginWrong" : "login.wrong"));
      else if (gateway && e instanceof ApiError && e.status === 404) showError(t("gateway.boardOff"));
      else if (e instanceof ApiError && e.status === 429) showError(t("login.throttled"));
      else if (e instanceof ApiError && e.isNetwork) showError(t(gateway ? "gateway.offline" : "login.offline"));
      else showError(t("login.failed", { status: e instanceof ApiError ? e.status : "?" }));
      password.select();
      password.focus();
    }
    busy = false;
    submit.disabled = false;
    setText(submitLabel, t("login.submit"));
  }

  const element = h(
    "div",
    { class: "login" },
    h(
      "section",
      { class: "login__card" },
      h(
        "div",
        { class: "login__brand" },
        h("span", { class: "brand-mark brand-mark--large", "aria-hidden": "true" }, iconEl("shield")),
        h("div", {}, h("p", { class: "brand-name" }, t("app.name")), h("p", { class: "login__subtitle" }, gateway ? t("gateway.loginSubtitle", { id: gateway.id }) : t("login.subtitle"))),
      ),
      h("h1", { id: "login-title", class: "login__title" }, t("login.title")),
      notice,
      form,
      h("div", { class: "login__lang" }, languageSelect("login-lang")),
    ),
  );

  // Focus the first field unless something else (the language switch after a re-render) has it.
  queueMicrotask(() => {
    if (!document.activeElement || document.activeElement === document.body) email.focus();
  });
  return { element, dispose() {} };
}
