// A family member's feedback on a resolved alert: good or bad, with an optional comment.

import type { AlertDto } from "../../api/types";
import type { Workflow } from "../../api/workflow";
import { t } from "../../i18n";
import { h, setText } from "../../ui/dom";

export function feedbackForm(feedback: NonNullable<Workflow["feedback"]>, a: AlertDto): HTMLElement {
  const text = h("input", { type: "text", class: "input", id: `fb-${a.id}`, maxlength: "1000", "data-testid": "feedback-text" });
  const result = h("p", { class: "muted", role: "status" });
  const send = async (rating: number): Promise<void> => {
    try {
      await feedback(a.id, rating, text.value.trim());
      setText(result, t("feedback.thanks"));
    } catch {
      setText(result, t("feedback.failed"));
    }
  };
  return h(
    "div",
    { class: "feedback", "data-testid": "feedback" },
    h("p", { class: "feedback__q" }, t("feedback.question")),
    h("label", { for: `fb-${a.id}`, class: "label" }, t("feedback.comment")),
    text,
    h(
      "div",
      { class: "feedback__buttons" },
      h("button", { type: "button", class: "btn btn--secondary", "data-testid": "feedback-good", onclick: () => void send(5) }, t("feedback.good")),
      h("button", { type: "button", class: "btn btn--ghost", "data-testid": "feedback-bad", onclick: () => void send(1) }, t("feedback.bad")),
    ),
    result,
  );
}
