// One person's contact: phone (E.164), channels and quiet hours. Used on "My contact" and, for
// admins, in the user editor. Checks the phone before sending (the hub checks again and answers
// with problem details, shown under the form).

import { normalizePhone } from "../../api/contacts";
import { ApiError } from "../../api/http";
import type { ContactDto } from "../../api/types";
import { t } from "../../i18n";
import { h, uid } from "../../ui/dom";

export function contactForm(initial: ContactDto, save: (c: ContactDto) => Promise<ContactDto>, testid: string): HTMLFormElement {
  const ids = { phone: uid("phone"), from: uid("quiet-from"), to: uid("quiet-to") };
  const phone = h("input", { id: ids.phone, class: "input", type: "tel", autocomplete: "tel", inputmode: "tel", placeholder: "+86 138 0000 0000", "data-testid": "contact-phone", value: initial.phone ?? "" });
  const check = (name: string, label: string, checked: boolean): [HTMLInputElement, HTMLElement] => {
    const input = h("input", { type: "checkbox", "data-testid": `contact-${name}`, checked });
    return [input, h("label", { class: "check" }, input, h("span", {}, label))];
  };
  const [push, pushLabel] = check("push", t("contact.push"), initial.push);
  const [sms, smsLabel] = check("sms", t("contact.sms"), initial.sms);
  const [voice, voiceLabel] = check("voice", t("contact.voice"), initial.voice);
  const from = h("input", { id: ids.from, class: "input", type: "time", "data-testid": "contact-quiet-from", value: initial.quietStart ?? "" });
  const to = h("input", { id: ids.to, class: "input", type: "time", "data-testid": "contact-quiet-to", value: initial.quietEnd ?? "" });
  const status = h("p", { class: "form-status", role: "status", "data-testid": "contact-status" });
  const submit = h("button", { type: "submit", class: "btn btn--primary", "data-testid": "contact-save" }, t("contact.save"));

  const form = h(
    "form",
    { class: "contact-form", "data-testid": testid, novalidate: true },
    h("div", { class: "field" }, h("label", { for: ids.phone, class: "label" }, t("contact.phone")), phone, h("p", { class: "hint" }, t("contact.phoneHint"))),
    h("fieldset", { class: "field" }, h("legend", { class: "label" }, t("contact.channels")), pushLabel, smsLabel, voiceLabel),
    h(
      "fieldset",
      { class: "field field--row" },
      h("legend", { class: "label" }, t("contact.quietHours")),
      h("label", { for: ids.from, class: "label label--inline" }, t("contact.quietFrom")),
      from,
      h("label", { for: ids.to, class: "label label--inline" }, t("contact.quietTo")),
      to,
      h("p", { class: "hint" }, t("contact.quietHint")),
    ),
    h("div", { class: "form-actions" }, submit),
    status,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void (async () => {
      const typed = phone.value.trim();
      const e164 = typed ? normalizePhone(typed) : null;
      if (typed && !e164) {
        status.textContent = t("contact.phoneInvalid");
        phone.setAttribute("aria-invalid", "true");
        phone.focus();
        return;
      }
      if (!e164 && (sms.checked || voice.checked)) {
        status.textContent = t("contact.needsPhone");
        phone.focus();
        return;
      }
      if (!!from.value !== !!to.value) {
        status.textContent = t("contact.quietBoth");
        return;
      }
      phone.removeAttribute("aria-invalid");
      status.textContent = t("card.saving");
      try {
        const saved = await save({ phone: e164, push: push.checked, sms: sms.checked, voice: voice.checked, quietStart: from.value || null, quietEnd: to.value || null });
        phone.value = saved.phone ?? "";
        status.textContent = t("contact.saved");
      } catch (error) {
        status.textContent = error instanceof ApiError && error.status === 400 ? t("contact.refused", { detail: error.detail ?? "" }) : t("contact.failed");
      }
    })();
  });
  return form;
}
